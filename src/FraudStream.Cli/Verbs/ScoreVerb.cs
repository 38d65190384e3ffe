using System.CommandLine;
using System.Globalization;
using FraudStream.Cli.Hosting;
using FraudStream.Streaming;
using FraudStream.Streaming.ExactlyOnce;
using FraudStream.Streaming.Telemetry;
using FraudStream.Serving;
using FraudStream.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FraudStream.Cli.Verbs;

/// <summary>
/// `fraudstream score`: the exactly-once streaming scorer, with its operations endpoints (/health/live,
/// /health/ready, /metrics) on a management port.
/// </summary>
internal static class ScoreVerb
{
    public static Command Create()
    {
        var bootstrap = new Option<string?>("--bootstrap-servers") { Description = "Kafka bootstrap servers (Scorer:BootstrapServers).", HelpName = "host:port,..." };
        var transactionalId = new Option<string?>("--transactional-id")
        {
            Description = "This instance's transactional.id: stable across restarts, distinct per instance (Scorer:TransactionalId).",
            HelpName = "id",
        };
        var group = new Option<string?>("--group") { Description = "Consumer group of the scorer instances (Scorer:GroupId, default fraudstream-scorer).", HelpName = "id" };
        var batchSize = new Option<string?>("--batch-size") { Description = $"Most records per batch and transaction (Scorer:BatchSize, default {ScorerOptions.DefaultBatchSize}).", HelpName = "n" };
        var linger = new Option<string?>("--linger-ms") { Description = "How long a batch waits for more records (Scorer:Linger, default 100 ms).", HelpName = "ms" };
        var threshold = new Option<string?>("--threshold") { Description = "Override every model's threshold (Model:Threshold).", HelpName = "0..1" };
        var registry = ModelStores.CreateOption();
        var schemaRegistry = new Option<string?>("--schema-registry-url")
        {
            Description = "Confluent Schema Registry URL (SchemaRegistry:Url). Without it, the schemas compiled in (the embedded demo's local catalog).",
            HelpName = "url",
        };
        var management = new Option<string?>("--management-url")
        {
            Description = $"Where /health/live, /health/ready and /metrics listen (Management:Url, default {ManagementEndpoints.DefaultUrl}; port 0 picks a free one).",
            HelpName = "url",
        };
        var config = new Option<FileInfo>("--config") { Description = "A JSON settings file (sections Scorer, Model, SchemaRegistry, Management).", HelpName = "file" };
        config.AcceptExistingOnly();

        var command = new Command(
            "score",
            "Score the transactions topic with the production model and write alerts to fraud_alerts exactly once. Settings, first found wins: "
            + "options, then --config, then FRAUDSTREAM_<Section>__<Name> environment variables.")
        {
            bootstrap, transactionalId, group, batchSize, linger, threshold, registry, schemaRegistry, management, config,
        };

        command.SetAction((parseResult, _) =>
        {
            var overrides = WebVerbHost.Overrides(
                parseResult,
                ("Scorer:BootstrapServers", bootstrap),
                ("Scorer:TransactionalId", transactionalId),
                ("Scorer:GroupId", group),
                ("Scorer:BatchSize", batchSize),
                ("Model:Threshold", threshold),
                ("SchemaRegistry:Url", schemaRegistry),
                ("Management:Url", management));
            if (parseResult.GetValue(linger) is { } ms)
            {
                overrides["Scorer:Linger"] = double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                    ? TimeSpan.FromMilliseconds(value).ToString("c", CultureInfo.InvariantCulture)
                    : ms;
            }

            return RunAsync(overrides, parseResult.GetValue(config), ModelStores.Resolve(parseResult.GetValue(registry)));
        });
        return command;
    }

    private static Task<int> RunAsync(Dictionary<string, string?> overrides, FileInfo? configFile, string registryLocation) =>
        WebVerbHost.RunAsync(
            () => Build(overrides, configFile, registryLocation),
            SettingsAreValid,
            "--management-url",
            app => ManagementEndpoints.PrintAddresses(app, "Scorer"),
            ExitCode);

    /// <summary>Exit code of an instance that another live instance with the same transactional id fenced.</summary>
    internal const int Fenced = 3;

    /// <summary>
    /// 2 when the scorer stopped at start over a settings problem, 3 when another instance with its transactional id
    /// fenced it (both said on stderr in one sentence), 1 when it failed or cannot serve, else 0.
    /// </summary>
    private static int ExitCode(WebApplication app)
    {
        var health = app.Services.GetRequiredService<ScorerHealth>();
        if (health.ConfigurationProblem is { } problem)
        {
            Console.Error.WriteLine(problem);
            return CommandLineRunner.UsageError;
        }

        if (health.Fenced is { } fenced)
        {
            Console.Error.WriteLine(fenced);
            return Fenced;
        }

        return app.Services.GetServices<IHostedService>().OfType<ExactlyOnceProcessor>().Single().ExecuteTask is { IsFaulted: true }
            ? 1
            : WebVerbHost.ModelServingExitCode(app);
    }

    /// <summary>Binds and validates every settings section before the host starts: one sentence per problem on stderr.</summary>
    internal static bool SettingsAreValid(IServiceProvider services) => WebVerbHost.SettingsAreValid(() =>
    {
        _ = services.GetRequiredService<IOptions<ScorerOptions>>().Value;
        _ = services.GetRequiredService<IOptions<ModelFollowerOptions>>().Value;
        return true;
    });

    private static WebApplication Build(Dictionary<string, string?> overrides, FileInfo? configFile, string registryLocation)
    {
        var builder = WebVerbHost.CreateBuilder(overrides, configFile, registryLocation, "Management:Url", ManagementEndpoints.DefaultUrl);
        builder.Services.AddSchemaRegistry(builder.Configuration);
        builder.Services.AddExactlyOnceScorer();
        ManagementEndpoints.AddServices(
            builder.Services,
            builder.Configuration,
            new TelemetrySources("fraudstream-scorer", [ScorerMetrics.MeterName, ModelMetrics.MeterName], [ScorerTracing.SourceName]),
            ready: provider =>
            {
                var health = provider.GetRequiredService<ScorerHealth>();
                var live = provider.GetRequiredService<LiveModel>();
                return new ReadinessReport(
                    live.Version is not null && health.ProducerReady && health.AssignedPartitions > 0,
                    new Dictionary<string, object?>
                    {
                        ["model_version"] = live.Version,
                        ["producer_ready"] = health.ProducerReady,
                        ["assigned_partitions"] = health.AssignedPartitions,
                    });
            });

        var app = builder.Build();
        ManagementEndpoints.Map(app);
        return app;
    }
}
