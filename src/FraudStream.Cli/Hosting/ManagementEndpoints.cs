using FraudStream.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace FraudStream.Cli.Hosting;

/// <summary>What /health/ready answers: ready or not, and the facts behind it.</summary>
internal sealed record ReadinessReport(bool Ready, IReadOnlyDictionary<string, object?> Checks);

/// <summary>
/// The operations surface of a long-running verb: /health/live, /health/ready and /metrics (Prometheus text built
/// from the OpenTelemetry SDK's metrics of the verb's FraudStream meters).
/// </summary>
internal static class ManagementEndpoints
{
    /// <summary>Where the management endpoints listen unless Management:Url says otherwise (9464: OpenTelemetry's Prometheus port).</summary>
    public const string DefaultUrl = "http://0.0.0.0:9464";

    /// <summary>Registers a meter provider over <paramref name="meters"/> and its Prometheus scrape handler.</summary>
    public static void AddServices(IServiceCollection services, params string[] meters)
    {
        var meterProvider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(meters)
            .AddPrometheusText(out var scrape)
            .Build();
        services.AddSingleton(meterProvider);
        services.AddSingleton(scrape);
    }

    /// <summary>Maps the three endpoints; <paramref name="ready"/> decides readiness.</summary>
    public static void Map(WebApplication app, Func<ReadinessReport> ready)
    {
        // Resolve now, so the meter provider listens before the first measurement.
        var scrape = app.Services.GetRequiredService<PrometheusScrapeHandler>();
        app.Services.GetRequiredService<MeterProvider>();

        app.MapGet("/health/live", () => Results.Json(new { status = "live" }));
        app.MapGet("/health/ready", () =>
        {
            var report = ready();
            return Results.Json(
                new Dictionary<string, object?>(report.Checks) { ["status"] = report.Ready ? "ready" : "not ready" },
                statusCode: report.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = PrometheusScrapeHandler.ContentType;
            await scrape.WriteToAsync(context.Response.Body, context.RequestAborted);
        });
    }

    /// <summary>Prints where the endpoints listen (the real port when the URL asked for port 0).</summary>
    public static void PrintAddresses(WebApplication app, string component)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            Console.WriteLine($"{component} management endpoint: {address} (/health/live, /health/ready, /metrics)");
        }
    }
}
