using FraudStream.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FraudStream.Cli.Hosting;

/// <summary>
/// The operations surface of a long-running verb: /health/live, /health/ready and /metrics (OpenTelemetry's Prometheus
/// exporter over the verb's FraudStream meters), and its spans over OTLP when Telemetry:OtlpEndpoint or
/// OTEL_EXPORTER_OTLP_ENDPOINT names a collector.
/// </summary>
internal static class ManagementEndpoints
{
    /// <summary>Where the management endpoints listen unless Management:Url says otherwise (9464: OpenTelemetry's Prometheus port).</summary>
    public const string DefaultUrl = "http://0.0.0.0:9464";

    /// <summary>Registers the meter provider, the readiness check (<paramref name="ready"/>) and, when configured, tracing.</summary>
    /// <exception cref="ArgumentException">The OTLP settings cannot work (one sentence).</exception>
    public static void AddServices(IServiceCollection services, IConfiguration configuration, TelemetrySources sources, Func<IServiceProvider, ReadinessReport> ready) =>
        services.AddOperations(configuration, sources, ready);

    /// <summary>Maps the three endpoints.</summary>
    public static void Map(WebApplication app) => app.MapOperations();

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
