using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace FraudStream.Operations.Tests.Support;

/// <summary>
/// A real web host with the operations endpoints on a free port, a meter with one instrument of each kind FraudStream
/// uses (named as FraudStream names them), and a POST /predict that answers 200.
/// </summary>
internal sealed class OperationsHost : IAsyncDisposable
{
    public const string ServiceName = "fraudstream-test";

    private readonly WebApplication _app;

    private OperationsHost(WebApplication app, Meter meter, HttpClient http)
    {
        _app = app;
        Meter = meter;
        Http = http;
    }

    /// <summary>The meter whose instruments /metrics serves (its name is unique to the host).</summary>
    public Meter Meter { get; }

    /// <summary>A client of the host.</summary>
    public HttpClient Http { get; }

    /// <summary>What /health/ready reports; the test changes it at will.</summary>
    public ReadinessReport Readiness { get; set; } = new(false, new Dictionary<string, object?> { ["model_version"] = null });

    public IServiceProvider Services => _app.Services;

    /// <summary>Everything the host logged, through the logging filters the host registers.</summary>
    public FakeLogCollector Logs => _app.Services.GetFakeLogCollector();

    public static async Task<OperationsHost> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, params string[] activitySources)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Logging.ClearProviders();
        builder.Logging.AddFakeLogging();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var meterName = $"FraudStream.Operations.Tests.{Guid.NewGuid():N}";
        OperationsHost? host = null;
        builder.Services.AddOperations(
            builder.Configuration,
            new TelemetrySources(ServiceName, [meterName], activitySources, TraceRequests: true),
            ready: _ => host!.Readiness);
        var app = builder.Build();
        app.MapOperations();
        app.MapPost("/predict", () => Results.Ok(new { score = 0.5 }));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host = new OperationsHost(app, new Meter(meterName), new HttpClient { BaseAddress = new Uri(address) });
        return host;
    }

    /// <summary>Records one known value in an instrument of each kind.</summary>
    public void RecordOneOfEach()
    {
        Meter.CreateCounter<long>("fraudstream_records_scored", description: "Records scored.").Add(5, new KeyValuePair<string, object?>("topic", "in"));
        Meter.CreateCounter<long>("fraudstream_history_restored_bytes", unit: "By", description: "Bytes read.").Add(100);
        Meter.CreateObservableGauge("fraudstream_history_bytes", () => 42L, unit: "By", description: "Memory held.");
        Meter.CreateObservableGauge(
            "fraudstream_consumer_lag_records",
            () => new Measurement<long>(0, new KeyValuePair<string, object?>("topic", "in"), new KeyValuePair<string, object?>("partition", 1)),
            description: "Records behind.");
        Meter.CreateHistogram<double>(
            "fraudstream_history_restore_seconds",
            unit: "s",
            description: "Restore time.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1, 5] }).Record(0.5);
        Meter.CreateHistogram<long>(
            "fraudstream_batch_size_records",
            description: "Records per batch.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 10] }).Record(3);
    }

    /// <summary>The names a Prometheus scraper stores for <see cref="RecordOneOfEach"/>: those of today's dashboards.</summary>
    public static readonly string[] ExpectedNames =
    [
        "fraudstream_batch_size_records_bucket", "fraudstream_batch_size_records_count", "fraudstream_batch_size_records_sum",
        "fraudstream_consumer_lag_records", "fraudstream_history_bytes",
        "fraudstream_history_restore_seconds_bucket", "fraudstream_history_restore_seconds_count", "fraudstream_history_restore_seconds_sum",
        "fraudstream_history_restored_bytes_total", "fraudstream_records_scored_total",
    ];

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Meter.Dispose();
    }
}
