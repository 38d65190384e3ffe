using System.Globalization;

namespace FraudStream.Cli.Traffic;

/// <summary>Latency samples recorded from any thread, summarised as nearest-rank percentiles at the end of a run.</summary>
internal sealed class LatencyRecorder
{
    private readonly Lock _lock = new();
    private readonly List<TimeSpan> _samples = [];

    /// <summary>Samples recorded so far.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _samples.Count;
            }
        }
    }

    public void Record(TimeSpan latency)
    {
        lock (_lock)
        {
            _samples.Add(latency);
        }
    }

    /// <summary>p50, p99 and max of the samples so far; null when there are none.</summary>
    public LatencySummary? Summarize()
    {
        TimeSpan[] sorted;
        lock (_lock)
        {
            sorted = [.. _samples];
        }

        if (sorted.Length == 0)
        {
            return null;
        }

        Array.Sort(sorted);
        return new LatencySummary(sorted.Length, Percentile(sorted, 50), Percentile(sorted, 99), sorted[^1]);
    }

    /// <summary>The nearest-rank percentile: the smallest sample with at least <paramref name="percent"/>% of samples at or below it.</summary>
    internal static TimeSpan Percentile(TimeSpan[] sorted, double percent)
    {
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>What a run's latencies came to.</summary>
/// <param name="Count">Number of samples.</param>
/// <param name="P50">Median.</param>
/// <param name="P99">99th percentile.</param>
/// <param name="Max">Largest sample.</param>
internal sealed record LatencySummary(int Count, TimeSpan P50, TimeSpan P99, TimeSpan Max)
{
    /// <summary>e.g. "p50 3.1 ms, p99 12.0 ms, max 15.2 ms".</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture, $"p50 {P50.TotalMilliseconds:F1} ms, p99 {P99.TotalMilliseconds:F1} ms, max {Max.TotalMilliseconds:F1} ms");
}
