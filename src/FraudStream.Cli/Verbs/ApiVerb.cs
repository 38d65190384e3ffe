using System.CommandLine;
using FraudStream.Cli.Api;
using FraudStream.Cli.Hosting;
using FraudStream.Registry;
using FraudStream.Streaming.Scoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FraudStream.Cli.Verbs;

/// <summary>
/// `fraudstream api`: the HTTP sidecar that scores transactions on request with the production model (the same
/// features, model and threshold as the streaming scorer), with keys, rate limits, registry endpoints and /metrics.
/// </summary>
internal static class ApiVerb
{
    public static Command Create()
    {
        var url = new Option<string?>("--url")
        {
            Description = $"Where the API listens (Api:Url, default {ApiOptions.DefaultUrl}; port 0 picks a free one).",
            HelpName = "url",
        };
        var keysFile = new Option<string?>("--keys-file")
        {
            Description = "A secrets file with one API key per line, 'admin KEY' for admin keys (Api:KeysFile).",
            HelpName = "file",
        };
        var threshold = new Option<string?>("--threshold") { Description = "Override every model's threshold (Model:Threshold).", HelpName = "0..1" };
        var registry = ModelStores.CreateOption();
        var config = new Option<FileInfo>("--config") { Description = "A JSON settings file (sections Api, Model).", HelpName = "file" };
        config.AcceptExistingOnly();

        var command = new Command(
            "api",
            "Answer POST /predict with the production model over HTTP (keys in X-API-Key). Settings: options, "
            + "then FRAUDSTREAM_<Section>__<Name> environment variables, then --config.")
        {
            url, keysFile, threshold, registry, config,
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

            Set("Api:Url", url);
            Set("Api:KeysFile", keysFile);
            Set("Model:Threshold", threshold);
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
                await Console.Error.WriteLineAsync($"The API cannot listen ({e.Message}): pick another --url.");
                return 1;
            }

            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var address in addresses)
            {
                Console.WriteLine($"API listening on {address} (/predict, /predict/batch, /model/versions, /health, /metrics, /openapi/v1.json)");
            }

            await app.WaitForShutdownAsync();
            return 0;
        }
    }

    /// <summary>Binds and validates the Api and Model sections and reads the keys before the host starts: one sentence per problem on stderr.</summary>
    internal static bool SettingsAreValid(IServiceProvider services)
    {
        try
        {
            _ = services.GetRequiredService<IOptions<ApiOptions>>().Value;
            _ = services.GetRequiredService<IOptions<ModelFollowerOptions>>().Value;
            if (services.GetRequiredService<ApiKeyring>().Count == 0)
            {
                Console.Error.WriteLine(
                    "fraudstream api needs at least one API key: set Api:Keys (FRAUDSTREAM_Api__Keys__0=...) or Api:AdminKeys, or name a keys file with --keys-file.");
                return false;
            }

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
            Console.Error.WriteLine($"{e.Message} Fix that setting.");
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine(e.Message);
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
        builder.WebHost.UseUrls(builder.Configuration[$"{ApiOptions.Section}:Url"] ?? ApiOptions.DefaultUrl);

        var store = ModelStores.Open(registryLocation);
        builder.Services.AddSingleton(provider => new ModelRegistry(store, provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<ModelRegistry>>()));
        ApiHost.AddServices(builder.Services);

        var app = builder.Build();
        ApiHost.Map(app);
        return app;
    }
}
