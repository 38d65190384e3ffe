using System.Globalization;
using System.Text.Json;
using FraudStream.Avro.Registry;
using FraudStream.Registry;
using FraudStream.Registry.Stores;
using FraudStream.Streaming;
using FraudStream.Streaming.ExactlyOnce;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace FraudStream.Bench.Scorer;

/// <summary>
/// `scorer-run registry-directory Section:Key=value ...`: one scorer instance with the product's host wiring
/// (<c>AddExactlyOnceScorer</c>, a local model registry, the embedded schema catalog), in a process of its own so its
/// memory and CPU are its own. Driven over stdin by the orchestrator: "phase NAME" starts a new accounting phase,
/// "stop" (or end of input) stops it gracefully; it then prints one <see cref="ScorerReport"/> as JSON on stdout.
/// Logs (warnings and up) go to stderr.
/// </summary>
internal static class ScorerHost
{
    public const string FirstPhase = "throughput";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 1)
        {
            await Console.Error.WriteLineAsync("scorer-run needs the model registry directory, then Section:Key=value settings.");
            return 2;
        }

        var settings = new Dictionary<string, string?>();
        foreach (var setting in args[1..])
        {
            var split = setting.IndexOf('=', StringComparison.Ordinal);
            if (split <= 0)
            {
                await Console.Error.WriteLineAsync($"scorer-run: '{setting}' is not a Section:Key=value setting.");
                return 2;
            }

            settings[setting[..split]] = setting[(split + 1)..];
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.Extensions.Hosting", LogLevel.Critical); // a failed start is reported below, once
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace); // stdout carries the report
        builder.Services.AddSingleton(new ModelRegistry(new LocalDirectoryModelStore(args[0])));
        builder.Services.AddSingleton<ISchemaRegistry>(LocalSchemaCatalog.FromEmbeddedSchemas());
        if (settings.GetValueOrDefault("Bench:PassThrough") == "true")
        {
            builder.Services.AddSingleton<IBatchHandler, PassThroughBatchHandler>();
        }

        builder.Services.AddExactlyOnceScorer();

        using var recorder = new LoopRecorder(FirstPhase);
        using var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync(string.Join(Environment.NewLine, e.Failures));
            return 2;
        }

        var processor = host.Services.GetServices<IHostedService>().OfType<ExactlyOnceProcessor>().Single();

        // Commands until "stop" or end of input; a scorer loop that ends on its own (a fault) ends the run too.
        var commands = Task.Run(async () =>
        {
            while (await Console.In.ReadLineAsync() is { } line && line != "stop")
            {
                if (line.StartsWith("phase ", StringComparison.Ordinal))
                {
                    recorder.StartPhase(line["phase ".Length..]);
                }
            }
        });
        await Task.WhenAny(commands, processor.ExecuteTask ?? Task.CompletedTask);
        await host.StopAsync(TimeSpan.FromSeconds(30));

        var error = processor.ExecuteTask switch
        {
            { IsFaulted: true } faulted => faulted.Exception.GetBaseException().ToString(),
            { IsCompleted: true } when !commands.IsCompleted => "The scorer loop ended before it was asked to stop.",
            _ => null,
        };
        var report = new ScorerReport(PeakRssBytes(), recorder.Phases(), error);
        await Console.Out.WriteLineAsync(JsonSerializer.Serialize(report, ScorerReport.JsonOptions));
        return error is null ? 0 : 1;
    }

    /// <summary>VmHWM from /proc/self/status: the process's peak resident set.</summary>
    private static long PeakRssBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var kilobytes = line["VmHWM:".Length..].Trim().Split(' ')[0];
        return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
    }
}
