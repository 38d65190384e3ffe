using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FraudStream.Operations;

/// <summary>What /health/ready answers: ready or not, and the facts behind it (each a JSON property beside "status").</summary>
public sealed record ReadinessReport(bool Ready, IReadOnlyDictionary<string, object?> Checks);

/// <summary>What a process exports: its service name, the meters on /metrics, the activity sources it traces.</summary>
/// <param name="ServiceName">The OpenTelemetry service.name of its spans (e.g. fraudstream-scorer).</param>
/// <param name="Meters">Meter names whose instruments /metrics serves.</param>
/// <param name="ActivitySources">ActivitySource names whose spans go to the OTLP collector, when one is configured.</param>
/// <param name="TraceRequests">True to trace every HTTP request too (the operations endpoints excepted).</param>
public sealed record TelemetrySources(string ServiceName, IReadOnlyList<string> Meters, IReadOnlyList<string> ActivitySources, bool TraceRequests = false);

/// <summary>
/// The operations surface of a FraudStream process: /health/live and /health/ready (ASP.NET Core health checks),
/// /metrics (OpenTelemetry's Prometheus exporter), and spans over OTLP when a collector is configured.
/// </summary>
public static class OperationsEndpoints
{
    /// <summary>The liveness path: 200 while the process serves HTTP.</summary>
    public const string LivePath = "/health/live";

    /// <summary>The readiness path: 200 when ready, else 503, with the facts as JSON.</summary>
    public const string ReadyPath = "/health/ready";

    /// <summary>The Prometheus scrape path.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>What /metrics always answers in: Prometheus text 0.0.4, as before the exporter package (see <see cref="MapOperations"/>).</summary>
    public const string MetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

    private const string ReadyTag = "ready";

    /// <summary>
    /// Registers the meter provider with its Prometheus exporter, the readiness check (<paramref name="ready"/>), and,
    /// when <see cref="OtlpTarget.Resolve"/> finds a collector, a tracer provider exporting <paramref name="sources"/>' spans.
    /// Without a collector no tracer provider exists: activity sources have no listener and spans cost nothing.
    /// Readiness is logged when it changes (category <see cref="ReadinessLog.Category"/>), not on every probe.
    /// </summary>
    /// <exception cref="ArgumentException">The OTLP settings cannot work (one sentence).</exception>
    public static IServiceCollection AddOperations(
        this IServiceCollection services, IConfiguration configuration, TelemetrySources sources, Func<IServiceProvider, ReadinessReport> ready)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(ready);
        var otlp = OtlpTarget.Resolve(configuration, Environment.GetEnvironmentVariable);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(sources.ServiceName))
            .WithMetrics(metrics => metrics.AddMeter([.. sources.Meters]).AddPrometheusExporter(KeepTodaysNames));
        if (otlp is not null)
        {
            telemetry.WithTracing(tracing =>
            {
                tracing.AddSource([.. sources.ActivitySources]);
                if (sources.TraceRequests)
                {
                    tracing.AddAspNetCoreInstrumentation(o => o.Filter = context => !IsOperationsPath(context.Request.Path));
                }

                tracing.AddOtlpExporter(o =>
                {
                    o.Endpoint = otlp.Endpoint;
                    o.Protocol = otlp.Protocol;
                });
            });
        }

        services.AddSingleton<ReadinessLog>();
        services.AddLogging(logging => logging.AddFilter(ReadinessCheck.HealthCheckServiceCategory, LogLevel.None));
        services.AddHealthChecks().Add(new HealthCheckRegistration(
            ReadyTag,
            provider => new ReadinessCheck(() => ready(provider), provider.GetRequiredService<ReadinessLog>()),
            failureStatus: HealthStatus.Unhealthy,
            tags: [ReadyTag]));
        return services;
    }

    /// <summary>Maps /health/live, /health/ready and /metrics; builds the meter provider now, so it listens before the first measurement.</summary>
    public static void MapOperations(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Services.GetRequiredService<MeterProvider>();

        app.MapHealthChecks(LivePath, new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = (context, _) => context.Response.WriteAsJsonAsync(new { status = "live" }),
        });
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(ReadyTag),
            ResponseWriter = WriteReadinessAsync,
        });

        // Prometheus asks for OpenMetrics first, and the exporter's OpenMetrics differs from its text 0.0.4 in what
        // Prometheus stores: extra *_created series and le="5.0" where text 0.0.4 writes le="5". Every scrape is
        // answered in text 0.0.4, so the stored series stay those of the dashboards and alert rules.
        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use((context, next) =>
        {
            context.Request.Headers.Accept = "text/plain; version=0.0.4";
            return next(context);
        }), optionsName: null);
    }

    /// <summary>True for the paths of <see cref="MapOperations"/>: scrapes and probes are not traced.</summary>
    public static bool IsOperationsPath(PathString path) =>
        path.StartsWithSegments("/health", StringComparison.Ordinal) || path.StartsWithSegments(MetricsPath, StringComparison.Ordinal);

    /// <summary>
    /// The exporter's options that keep every series as FraudStream wrote it before: no otel_scope_* labels on each
    /// series, no target_info, and a fresh collection on each scrape (no 300 ms response cache).
    /// </summary>
    private static void KeepTodaysNames(PrometheusAspNetCoreOptions options)
    {
        options.ScopeInfoEnabled = false;
        options.TargetInfoEnabled = false;
        options.ScrapeResponseCacheDurationMilliseconds = 0;
    }

    private static Task WriteReadinessAsync(HttpContext context, HealthReport report)
    {
        var facts = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var entry in report.Entries.Values)
        {
            foreach (var (key, value) in entry.Data)
            {
                facts[key] = value;
            }
        }

        facts["status"] = report.Status == HealthStatus.Healthy ? "ready" : "not ready";
        return context.Response.WriteAsJsonAsync(facts);
    }
}
