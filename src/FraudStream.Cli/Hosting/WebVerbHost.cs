using System.CommandLine;
using FraudStream.Registry;
using FraudStream.Serving;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FraudStream.Cli.Hosting;

/// <summary>
/// What the long-running HTTP verbs (score, api) share: settings precedence (options over --config over
/// FRAUDSTREAM_ environment variables), logging to stderr, the model registry, checking settings before the host
/// starts, and the exit codes.
/// </summary>
internal static class WebVerbHost
{
    /// <summary>The settings given as options: each option that has a value, under its configuration key.</summary>
    public static Dictionary<string, string?> Overrides(ParseResult parseResult, params (string Key, Option<string?> Option)[] options) =>
        options.Where(o => parseResult.GetValue(o.Option) is not null)
            .ToDictionary(o => o.Key, o => parseResult.GetValue(o.Option));

    /// <summary>A builder with FraudStream's configuration, logging, listen URL and model registry.</summary>
    /// <exception cref="ArgumentException">The registry location cannot work (one sentence).</exception>
    public static WebApplicationBuilder CreateBuilder(
        IReadOnlyDictionary<string, string?> overrides, FileInfo? configFile, string registryLocation, string urlKey, string defaultUrl)
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
        builder.WebHost.UseUrls(builder.Configuration[urlKey] ?? defaultUrl);

        // Opened now, so a location that cannot work is refused before the host starts.
        _ = ModelStores.Open(registryLocation);
        builder.Services.AddSingleton(provider => ModelStores.OpenRegistry(
            registryLocation,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<ModelRegistry>>(),
            provider.GetRequiredService<IOptions<ModelFollowerOptions>>().Value.MaxModelBytes));
        return builder;
    }

    /// <summary>
    /// Builds, checks the settings, starts and runs until SIGTERM/Ctrl+C. Exit codes: 2 for settings the user must fix,
    /// 1 when the URL cannot be listened on, else what <paramref name="exitCode"/> says after shutdown.
    /// </summary>
    public static async Task<int> RunAsync(
        Func<WebApplication> build,
        Func<IServiceProvider, bool> settingsAreValid,
        string urlOption,
        Action<WebApplication> announce,
        Func<WebApplication, int> exitCode)
    {
        WebApplication app;
        try
        {
            app = build();
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FormatException)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return CommandLineRunner.UsageError;
        }

        await using (app)
        {
            if (!settingsAreValid(app.Services))
            {
                return CommandLineRunner.UsageError;
            }

            try
            {
                await app.StartAsync();
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"Cannot listen ({e.Message}): pick another {urlOption}.");
                return 1;
            }

            announce(app);
            await app.WaitForShutdownAsync();
            return exitCode(app);
        }
    }

    /// <summary>
    /// 1 when the process stopped because it cannot serve: its production model was refused before any model served
    /// (the follower has said why), or the follower failed; else 0.
    /// </summary>
    public static int ModelServingExitCode(WebApplication app)
    {
        var follower = app.Services.GetRequiredService<ProductionModelFollower>();
        return follower.CannotServe is not null || follower.ExecuteTask is { IsFaulted: true } ? 1 : 0;
    }

    /// <summary>
    /// Runs <paramref name="check"/> (which reads options and whatever else the verb needs) and turns a settings problem
    /// into one sentence per problem on stderr, so the host never logs it with a stack trace.
    /// </summary>
    public static bool SettingsAreValid(Func<bool> check)
    {
        try
        {
            return check();
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
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine(e.Message);
        }

        return false;
    }
}
