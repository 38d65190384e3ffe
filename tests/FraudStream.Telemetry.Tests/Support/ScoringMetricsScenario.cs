using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace FraudStream.Telemetry.Tests.Support;

/// <summary>A real MeterProvider over a real Meter with one instrument of each kind, recorded with known values.</summary>
internal sealed class ScoringMetricsScenario : IDisposable
{
    /// <summary>A label value with every character the format escapes.</summary>
    public const string AwkwardTopic = "we\"ird\\to\npic";

    public const string ScoredHelp = "Records scored in committed transactions.\nA backslash \\ stays one.";

    private readonly Meter _meter;
    private readonly MeterProvider _provider;

    public ScoringMetricsScenario()
    {
        _meter = new Meter($"FraudStream.Telemetry.Tests.{Guid.NewGuid():N}");
        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(_meter.Name)
            .AddView("fraudstream_scoring_duration_seconds", new ExplicitBucketHistogramConfiguration { Boundaries = [0.3, 1, 5] })
            .AddPrometheusText(out var handler)
            .Build();
        Handler = handler;

        var scored = _meter.CreateCounter<long>("fraudstream_records_scored", description: ScoredHelp);
        scored.Add(3, new("topic", "transactions"), new("partition", 0));
        scored.Add(2, new("topic", "transactions"), new("partition", 0));
        scored.Add(1, new("topic", AwkwardTopic), new("partition", 1));

        var amount = _meter.CreateCounter<double>("fraudstream_scored_amount_euros_total", description: "Amount scored, in euros.");
        amount.Add(0.5);
        amount.Add(1.25);

        var inFlight = _meter.CreateUpDownCounter<long>("fraudstream_transactions_in_flight", description: "Kafka transactions open now.");
        inFlight.Add(5);
        inFlight.Add(-2);

        _meter.CreateObservableGauge(
            "fraudstream_model_age_seconds",
            () => new Measurement<double>(12.5, new KeyValuePair<string, object?>("model", "v3")),
            description: "Seconds since the model in force was trained.");

        var duration = _meter.CreateHistogram<double>("fraudstream_scoring_duration_seconds", description: "Time to score one batch.");
        foreach (var seconds in new[] { 0.5, 0.25, 0.25, 2, 8 })
        {
            duration.Record(seconds, new KeyValuePair<string, object?>("stage", "predict"));
        }
    }

    public PrometheusScrapeHandler Handler { get; }

    public void Dispose()
    {
        _provider.Dispose();
        _meter.Dispose();
    }
}
