using System.CommandLine;
using FraudStream.Cli.Hosting;
using FraudStream.Cli.Monitoring;
using FraudStream.Cli.Traffic;
using FraudStream.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudStream.Cli.Verbs;

/// <summary>
/// `fraudstream monitor`: live accuracy of every model version (production and challenger) as Prometheus gauges,
/// from the scored, shadow and labels topics; what `models report` prints once, kept up to date.
/// </summary>
internal static class MonitorVerb
{
    /// <summary>The monitor's management port (the scorer and api take 9464).</summary>
    public const string DefaultUrl = "http://0.0.0.0:9465";

    public static Command Create()
    {
        var sources = ModelsReportCommand.Sources.Create();
        var registry = ModelStores.CreateOption();
        var management = new Option<string>("--management-url") { Description = "Where /metrics and /health/* listen.", HelpName = "url", DefaultValueFactory = _ => DefaultUrl };
        var refresh = new Option<TimeSpan?>("--refresh")
        {
            Description = "How often the reports are recomputed.",
            DefaultValueFactory = _ => TimeSpan.FromSeconds(15),
            CustomParser = result => OptionValues.Duration(result, "--refresh"),
            HelpName = "time",
        };
        var command = new Command(
            "monitor",
            "Export each model version's live accuracy (precision, recall, PR-AUC, alert rate, label coverage per window) as Prometheus gauges "
            + "on /metrics, from the scored and shadow topics joined with the labels topic.")
        {
            registry, management, refresh,
        };
        foreach (var option in sources.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, cancellation) =>
        {
            if (await sources.ResolveAsync(parseResult) is not var (bootstrap, windows, schemas))
            {
                return CommandLineRunner.UsageError;
            }

            var settings = new AccuracyMonitorSettings(
                bootstrap, schemas, sources.ScoreTopics(parseResult), parseResult.GetValue(sources.LabelsTopic)!,
                windows, parseResult.GetValue(sources.Maturity)!.Value, parseResult.GetValue(refresh)!.Value, parseResult.GetValue(registry));
            return await RunAsync(settings, parseResult.GetValue(management)!);
        });
        return command;
    }

    private static async Task<int> RunAsync(AccuracyMonitorSettings settings, string url)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.WebHost.UseUrls(url);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<AccuracyMonitor>();
        builder.Services.AddHostedService(p => p.GetRequiredService<AccuracyMonitor>());
        try
        {
            ManagementEndpoints.AddServices(
                builder.Services,
                builder.Configuration,
                new TelemetrySources("fraudstream-monitor", [AccuracyMonitor.MeterName], ActivitySources: []),
                ready: provider =>
                {
                    var accuracy = provider.GetRequiredService<AccuracyMonitor>();
                    return new ReadinessReport(
                        accuracy.CaughtUp.Task.IsCompleted && accuracy.Problem is null,
                        new Dictionary<string, object?> { ["caught_up"] = accuracy.CaughtUp.Task.IsCompleted, ["problem"] = accuracy.Problem });
                });
        }
        catch (ArgumentException e)
        {
            // The OTLP settings cannot work: one sentence, as for every other setting.
            await Console.Error.WriteLineAsync(e.Message);
            return CommandLineRunner.UsageError;
        }
        await using var app = builder.Build();
        var monitor = app.Services.GetRequiredService<AccuracyMonitor>();
        ManagementEndpoints.Map(app);
        try
        {
            await app.StartAsync();
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"Cannot listen ({e.Message}): pick another --management-url.");
            return 1;
        }

        ManagementEndpoints.PrintAddresses(app, "Monitor");
        await monitor.CaughtUp.Task.WaitAsync(app.Lifetime.ApplicationStopping).ContinueWith(_ => { }, TaskScheduler.Default);
        if (monitor.Problem is { } problem)
        {
            await Console.Error.WriteLineAsync(problem);
            await app.StopAsync();
            return 1;
        }

        await Console.Out.WriteLineAsync("Monitor caught up with the topics; reports refresh on /metrics.");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
