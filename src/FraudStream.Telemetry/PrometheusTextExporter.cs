using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace FraudStream.Telemetry;

/// <summary>A pull-only exporter that renders each collected batch as Prometheus text, for <see cref="PrometheusScrapeHandler"/>.</summary>
[ExportModes(ExportModes.Pull)]
internal sealed class PrometheusTextExporter : BaseExporter<Metric>, IPullMetricExporter
{
    private string? _rendered;

    /// <summary>Set by the reader: runs a collection in the SDK's pull scope (a pull-only reader refuses any other).</summary>
    public Func<int, bool>? Collect { get; set; }

    /// <inheritdoc />
    public override ExportResult Export(in Batch<Metric> batch)
    {
        // The batch is only valid during this call, so it is rendered here, on the collecting (scraping) thread.
        _rendered = PrometheusTextSerializer.Serialize(batch);
        return ExportResult.Success;
    }

    /// <summary>Runs one collection and returns its text; callers serialise calls.</summary>
    internal string CollectText()
    {
        // Without a provider the reader would "collect" an empty batch and the scrape would look healthy.
        var collect = ParentProvider is null ? null : Collect;
        if (collect is null)
        {
            throw NotCollecting();
        }

        _rendered = null;
        if (!collect(Timeout.Infinite))
        {
            throw NotCollecting();
        }

        return _rendered ?? string.Empty;
    }

    private static InvalidOperationException NotCollecting() => new(
        "Collecting metrics failed: build the MeterProvider that AddPrometheusText was called on before scraping, "
        + "and do not scrape after disposing it (the OpenTelemetry-Sdk event source has details).");
}
