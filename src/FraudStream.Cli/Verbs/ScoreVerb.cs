using System.CommandLine;
using System.Globalization;
using FraudStream.Cli.Hosting;
using FraudStream.Registry;
using FraudStream.Streaming;
using FraudStream.Streaming.ExactlyOnce;
using FraudStream.Streaming.Scoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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
        var batchSize = new Option<string?>("--batch-size") { Description = "Most records per batch and transaction (Scorer:BatchSize, default 1000).", HelpName = "n" };
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
            Description = "Where /health/live, /health/ready and /metrics listen (Management:Url, default http://0.0.0.0:9464; port 0 picks a free one).",
            HelpName = "url",
        };
        var config = new Option<FileInfo>("--config") { Description = "A JSON settings file (sections Scorer, Model, SchemaRegistry, Management).", HelpName = "file" };
        config.AcceptExistingOnly();

        var command = new Command(
            "score",
            "Score the transactions topic with the production model and write alerts to fraud_alerts exactly once. Settings: options, "
            + "then FRAUDSTREAM_<Section>__<Name> environment variables, then --config.")
        {
            bootstrap, transactionalId, group, batchSize, linger, threshold, registry, schemaRegistry, management, config,
        };

        command.SetAction((parseResult, _) =>
        {
            var overrides = new Dictionary<string, string?>();
            void Set(string key, Option<string?> option)
            {
                if (parseResult.GetValue(option) is { } value)
                {
                    overrides[key] = value;
                }
            }

            Set("Scorer:BootstrapServers", bootstrap);
            Set("Scorer:TransactionalId", transactionalId);
            Set("Scorer:GroupId", group);
            Set("Scorer:BatchSize", batchSize);
            Set("Model:Threshold", threshold);
            Set("SchemaRegistry:Url", schemaRegistry);
            Set("Management:Url", management);
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

    private static async Task<int> RunAsync(Dictionary<string, string?> overrides, FileInfo? configFile, string registryLocation)
    {
        WebApplication app;
        try
        {
            app = Build(overrides, configFile, registryLocation);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FormatException)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return CommandLineRunner.UsageError;
        }

        await using (app)
        {
            if (!SettingsAreValid(app.Services))
            {
                return CommandLineRunner.UsageError;
            }

            try
            {
                await app.StartAsync();
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"The management endpoint cannot listen ({e.Message}): pick another --management-url.");
                return 1;
            }

            ManagementEndpoints.PrintAddresses(app, "Scorer");
            await app.WaitForShutdownAsync();
            var processor = app.Services.GetServices<IHostedService>().OfType<ExactlyOnceProcessor>().Single();
            return processor.ExecuteTask is { IsFaulted: true } ? 1 : 0;
        }
    }

    /// <summary>
    /// Binds and validates every settings section before the host starts, so a bad setting is one sentence on stderr
    /// (the host would log it with a stack trace).
    /// </summary>
    internal static bool SettingsAreValid(IServiceProvider services)
    {
        try
        {
            _ = services.GetRequiredService<IOptions<ScorerOptions>>().Value;
            _ = services.GetRequiredService<IOptions<ModelFollowerOptions>>().Value;
            return true;
        }
        catch (OptionsValidationException e)
        {
            foreach (var failure in e.Failures)
            {
                Console.Error.WriteLine(failure);
            }
        }
        catch (InvalidOperationException e) when (e.InnerException is ArgumentException or FormatException)
        {
            // "Failed to convert configuration value 'abc' at 'Scorer:BatchSize' to type 'System.Int32'."
            Console.Error.WriteLine($"{e.Message} Fix that setting.");
        }

        return false;
    }

    private static WebApplication Build(Dictionary<string, string?> overrides, FileInfo? configFile, string registryLocation)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddEnvironmentVariables("FRAUDSTREAM_");
        if (configFile is not null)
        {
            builder.Configuration.AddJsonFile(configFile.FullName, optional: false);
        }

        builder.Configuration.AddInMemoryCollection(overrides);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.WebHost.UseUrls(builder.Configuration["Management:Url"] ?? ManagementEndpoints.DefaultUrl);

        var store = ModelStores.Open(registryLocation);
        builder.Services.AddSingleton(provider => new ModelRegistry(store, provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<ModelRegistry>>()));
        builder.Services.AddSchemaRegistry(builder.Configuration);
        builder.Services.AddExactlyOnceScorer();
        ManagementEndpoints.AddServices(builder.Services);

        var app = builder.Build();
        ManagementEndpoints.Map(app, ready: () =>
        {
            var health = app.Services.GetRequiredService<ScorerHealth>();
            var live = app.Services.GetRequiredService<LiveModel>();
            return new ReadinessReport(
                live.Version is not null && health.ProducerReady && health.AssignedPartitions > 0,
                new Dictionary<string, object?>
                {
                    ["model_version"] = live.Version,
                    ["producer_ready"] = health.ProducerReady,
                    ["assigned_partitions"] = health.AssignedPartitions,
                });
        });
        return app;
    }
}
