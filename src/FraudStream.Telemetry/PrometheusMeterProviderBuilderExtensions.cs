using OpenTelemetry.Metrics;

namespace FraudStream.Telemetry;

/// <summary>Registers a Prometheus text scrape handler on an OpenTelemetry MeterProvider.</summary>
public static class PrometheusMeterProviderBuilderExtensions
{
    /// <summary>
    /// Adds a pull reader (cumulative temporality) whose <paramref name="handler"/> renders the provider's
    /// metrics in Prometheus text exposition format 0.0.4 on each scrape.
    /// </summary>
    /// <remarks>
    /// The handler works once the provider is built and stops when it is disposed. With dependency injection,
    /// register the handler as a singleton next to the provider.
    /// </remarks>
    public static MeterProviderBuilder AddPrometheusText(this MeterProviderBuilder builder, out PrometheusScrapeHandler handler)
    {
        ArgumentNullException.ThrowIfNull(builder);

        var exporter = new PrometheusTextExporter();
        // Prometheus expects counters and histograms to keep growing from process start.
        var reader = new BaseExportingMetricReader(exporter) { TemporalityPreference = MetricReaderTemporalityPreference.Cumulative };
        handler = new PrometheusScrapeHandler(exporter);
        return builder.AddReader(reader);
    }
}
