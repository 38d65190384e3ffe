using FraudStream.Operations;

namespace FraudStream.Cli.Demo;

/// <summary>The scorer's counters the demo reports, read from its Prometheus text (/metrics); a counter not yet written is 0.</summary>
internal sealed record PipelineMetrics(long Scored, long Alerts, long DeadLettered, long Committed, long Aborted)
{
    /// <summary>The stage timings behind the end-to-end latency: batch sizes, scoring and commit times, produce → committed.</summary>
    public StageTimings Stages { get; init; } = new();

    /// <summary>Sums each counter over its labels (reasons).</summary>
    public static PipelineMetrics Parse(string scrape)
    {
        long scored = 0, alerts = 0, deadLettered = 0, committed = 0, aborted = 0;
        var stages = new StageTimings();
        foreach (var sample in PrometheusTextReader.Read(scrape))
        {
            var count = (long)sample.Value;
            switch (sample.Name)
            {
                case "fraudstream_records_scored_total": scored += count; break;
                case "fraudstream_alerts_total": alerts += count; break;
                case "fraudstream_records_dead_lettered_total": deadLettered += count; break;
                case "fraudstream_transactions_committed_total": committed += count; break;
                case "fraudstream_transactions_aborted_total": aborted += count; break;
                default: stages.Take(sample); break;
            }
        }

        return new PipelineMetrics(scored, alerts, deadLettered, committed, aborted) { Stages = stages };
    }
}

/// <summary>
/// Means of the scorer's batch histograms, and the share of records committed within the latency goals' bounds (25
/// and 50 ms, bucket bounds of its end-to-end histogram: record timestamp to the commit of its transaction).
/// </summary>
internal sealed class StageTimings
{
    private const string EndToEnd = "fraudstream_end_to_end_latency_seconds";
    private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);

    /// <summary>Mean records per batch; NaN before the first batch.</summary>
    public double MeanBatchSize => Mean("fraudstream_batch_size_records");

    /// <summary>Mean time to decode, build features for and predict one batch.</summary>
    public TimeSpan MeanScoring => TimeSpan.FromSeconds(Mean("fraudstream_scoring_duration_seconds") is var s && double.IsFinite(s) ? s : 0);

    /// <summary>Mean time from a batch's first produce to its committed transaction.</summary>
    public TimeSpan MeanCommit => TimeSpan.FromSeconds(Mean("fraudstream_transaction_commit_duration_seconds") is var s && double.IsFinite(s) ? s : 0);

    /// <summary>Records whose end-to-end latency was measured.</summary>
    public long Records => (long)_values.GetValueOrDefault(EndToEnd + "_count");

    /// <summary>The share (0..1) of records committed within <paramref name="bound"/> seconds of their timestamp (a bucket bound); NaN without records.</summary>
    public double CommittedWithin(string bound) =>
        Records == 0 ? double.NaN : _values.GetValueOrDefault($"{EndToEnd}_bucket/{bound}") / Records;

    /// <summary>Takes a sample of one of the histograms read here; ignores the rest.</summary>
    public void Take(PrometheusSample sample)
    {
        var key = sample.Name.EndsWith("_bucket", StringComparison.Ordinal) && sample.Labels.TryGetValue("le", out var le)
            ? $"{sample.Name}/{le}"
            : sample.Name;
        _values[key] = _values.GetValueOrDefault(key) + sample.Value;
    }

    private double Mean(string histogram) =>
        _values.GetValueOrDefault(histogram + "_count") is > 0 and var count ? _values.GetValueOrDefault(histogram + "_sum") / count : double.NaN;
}
