using System.CommandLine;
using FraudStream.Api;
using FraudStream.Cli.Hosting;
using FraudStream.Serving;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
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
            "Answer POST /predict with the production model over HTTP (keys in X-API-Key). Settings, first found wins: "
            + "options, then --config, then FRAUDSTREAM_<Section>__<Name> environment variables.")
        {
            url, keysFile, threshold, registry, config,
        };

        command.SetAction((parseResult, _) =>
        {
            var overrides = WebVerbHost.Overrides(parseResult, ("Api:Url", url), ("Api:KeysFile", keysFile), ("Model:Threshold", threshold));
            return RunAsync(overrides, parseResult.GetValue(config), ModelStores.Resolve(parseResult.GetValue(registry)));
        });
        return command;
    }

    private static Task<int> RunAsync(Dictionary<string, string?> overrides, FileInfo? configFile, string registryLocation) =>
        WebVerbHost.RunAsync(
            () => Build(overrides, configFile, registryLocation),
            SettingsAreValid,
            "--url",
            Announce,
            WebVerbHost.ModelServingExitCode);

    private static void Announce(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            Console.WriteLine($"API listening on {address} (/predict, /predict/batch, /model/versions, /health, /metrics, /openapi/v1.json)");
        }
    }

    /// <summary>Binds and validates the Api and Model sections and reads the keys before the host starts: one sentence per problem on stderr.</summary>
    internal static bool SettingsAreValid(IServiceProvider services) => WebVerbHost.SettingsAreValid(() =>
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
    });

    private static WebApplication Build(Dictionary<string, string?> overrides, FileInfo? configFile, string registryLocation)
    {
        var builder = WebVerbHost.CreateBuilder(overrides, configFile, registryLocation, $"{ApiOptions.Section}:Url", ApiOptions.DefaultUrl);
        builder.Services.AddPredictionApi(builder.Configuration);

        var app = builder.Build();
        app.MapPredictionApi();
        return app;
    }
}
