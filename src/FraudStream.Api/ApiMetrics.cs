using System.Diagnostics.Metrics;

namespace FraudStream.Api;

/// <summary>Request metrics of the /predict API.</summary>
internal sealed class ApiMetrics : IDisposable
{
    /// <summary>The meter's name, for a MeterProvider's AddMeter.</summary>
    public const string MeterName = "FraudStream.Api";

    private static readonly double[] s_secondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _scored;
    private readonly Counter<long> _mirrored;
    private readonly Counter<long> _mirrorAlerts;
    private readonly Counter<long> _disagreements;
    private readonly Counter<long> _mirrorFailures;

    /// <summary>Creates the instruments on a meter from the host's <paramref name="meters"/>, which disposes it.</summary>
    public ApiMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _requests = _meter.CreateCounter<long>("fraudstream_api_requests", description: "API requests answered, by route and HTTP status.");
        _duration = _meter.CreateHistogram<double>(
            "fraudstream_api_request_duration_seconds",
            description: "Time to answer an API request, by route.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_secondsBuckets });
        _scored = _meter.CreateCounter<long>("fraudstream_api_transactions_scored", description: "Transactions scored by /predict and /predict/batch.");
        _mirrored = _meter.CreateCounter<long>(
            "fraudstream_api_challenger_scored", description: "Transactions /predict also scored with the challenger (Api:MirrorChallenger), by version.");
        _mirrorAlerts = _meter.CreateCounter<long>(
            "fraudstream_api_challenger_alerts", description: "Of them, at or above the challenger's threshold, by version.");
        _disagreements = _meter.CreateCounter<long>(
            "fraudstream_api_challenger_disagreements", description: "Of them, where the challenger's alert decision differs from production's, by version.");
        _mirrorFailures = _meter.CreateCounter<long>(
            "fraudstream_api_challenger_failures", description: "Requests the challenger failed to score (the answers were production's as always).");
    }

    /// <summary>Counts transactions mirrored to the challenger.</summary>
    public void Mirrored(string version, int scored, int alerts, int disagreements)
    {
        var tag = new KeyValuePair<string, object?>("version", version);
        _mirrored.Add(scored, tag);
        _mirrorAlerts.Add(alerts, tag);
        _disagreements.Add(disagreements, tag);
    }

    /// <summary>Counts a request the challenger failed to score.</summary>
    public void MirrorFailed() => _mirrorFailures.Add(1);

    /// <summary>Counts one answered request.</summary>
    public void Request(string route, int status, double seconds)
    {
        var routeTag = new KeyValuePair<string, object?>("route", route);
        _requests.Add(1, routeTag, new KeyValuePair<string, object?>("status", status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        _duration.Record(seconds, routeTag);
    }

    /// <summary>Counts transactions scored.</summary>
    public void Scored(int count) => _scored.Add(count);

    public void Dispose() => _meter.Dispose();
}
