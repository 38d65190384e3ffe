using System.Text;

namespace FraudStream.Telemetry;

/// <summary>Answers Prometheus scrapes of one MeterProvider: collects its metrics and renders them as text format 0.0.4.</summary>
/// <remarks>
/// Metric names are written as given (no unit suffix), sanitised to <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>; monotonic sums
/// become counters named with a <c>_total</c> suffix. When two instruments (from any meters) map to the same name,
/// the first one collected fixes the family's type and help: later instruments of the same type add their series
/// to it, instruments of another type are left out, and a series whose labels repeat one already written is left out.
/// Exponential histograms have no form in text format 0.0.4 and are left out.
/// </remarks>
public sealed class PrometheusScrapeHandler
{
    /// <summary>The HTTP Content-Type of a scrape's response.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly PrometheusTextExporter _exporter;

    // One collection at a time: the SDK folds concurrent collections into one, and only the Export of the
    // collection that ran carries the batch, so a second concurrent scrape would find nothing to return.
    private readonly SemaphoreSlim _scrapeGate = new(1, 1);

    internal PrometheusScrapeHandler(PrometheusTextExporter exporter) => _exporter = exporter;

    /// <summary>Collects the provider's metrics now and returns them in Prometheus text exposition format 0.0.4.</summary>
    /// <exception cref="InvalidOperationException">The MeterProvider is not built yet, or has been disposed.</exception>
    public async Task<string> ScrapeAsync(CancellationToken cancellationToken = default)
    {
        await _scrapeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _exporter.CollectText();
        }
        finally
        {
            _scrapeGate.Release();
        }
    }

    /// <summary>Collects the provider's metrics now and writes them to <paramref name="destination"/> as UTF-8 text format 0.0.4.</summary>
    /// <exception cref="InvalidOperationException">The MeterProvider is not built yet, or has been disposed.</exception>
    public async Task WriteToAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var text = await ScrapeAsync(cancellationToken).ConfigureAwait(false);
        await destination.WriteAsync(s_utf8.GetBytes(text), cancellationToken).ConfigureAwait(false);
    }
}
