using System.Diagnostics.Metrics;

namespace FraudStream.Serving;

/// <summary>Metrics of the model in force and of hot reloads, shared by the scorer and the API.</summary>
public sealed class ModelMetrics : IDisposable
{
    /// <summary>The meter's name, for a MeterProvider's AddMeter.</summary>
    public const string MeterName = "FraudStream.Model";

    private readonly Meter _meter;
    private readonly Counter<long> _swaps;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _challengerSwaps;
    private readonly Counter<long> _challengerRefusals;

    /// <summary>Creates the instruments on a meter of its own (tests).</summary>
    public ModelMetrics(LiveModel live, ChallengerModel challenger)
        : this(live, challenger, meters: null)
    {
    }

    /// <summary>
    /// Creates the instruments on a meter from <paramref name="meters"/> (the host's, which disposes it) or one of its own;
    /// the info gauges read <paramref name="live"/> and <paramref name="challenger"/> at each collection.
    /// </summary>
    public ModelMetrics(LiveModel live, ChallengerModel challenger, IMeterFactory? meters)
    {
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(challenger);
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableGauge<int>(
            "fraudstream_model_info",
            () => live.Version is { } version ? [new Measurement<int>(1, new KeyValuePair<string, object?>("version", version))] : [],
            description: "The model version in force (value 1, version in the label).");
        _meter.CreateObservableGauge<int>(
            "fraudstream_model_loaded",
            () => live.Version is null ? 0 : 1,
            description: "1 when a model is loaded and scoring, 0 before the first load.");
        _swaps = _meter.CreateCounter<long>("fraudstream_model_swaps", description: "Model versions put in force (the first load included).");
        _refusals = _meter.CreateCounter<long>(
            "fraudstream_model_refusals", description: "New production versions refused (the current model kept serving), by reason.");
        _meter.CreateObservableGauge<int>(
            "fraudstream_challenger_info",
            () => challenger.Live.Version is { } version ? [new Measurement<int>(1, new KeyValuePair<string, object?>("version", version))] : [],
            description: "The challenger version scored in shadow (value 1, version in the label); absent without a challenger.");
        _challengerSwaps = _meter.CreateCounter<long>("fraudstream_challenger_swaps", description: "Challenger versions put in force.");
        _challengerRefusals = _meter.CreateCounter<long>(
            "fraudstream_challenger_refusals", description: "Challenger versions refused (production unaffected), by reason.");
    }

    /// <summary>Counts a version put in force.</summary>
    public void Swapped(ModelRole role) => (role == ModelRole.Challenger ? _challengerSwaps : _swaps).Add(1);

    /// <summary>Counts a refused version.</summary>
    public void Refused(ModelRole role, string reason) =>
        (role == ModelRole.Challenger ? _challengerRefusals : _refusals).Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
