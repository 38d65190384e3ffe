namespace FraudStream.Cli.Demo;

/// <summary>
/// When the scorer's committed count last advanced, measured from the start of the load: the time the pipeline took to
/// score the run, for its throughput.
/// </summary>
internal sealed class ScoringProgress(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly long _started = time.GetTimestamp();
    private long _scored;
    private TimeSpan _lastAdvance;

    /// <summary>From the start of the load to the last sample in which the scored count had grown.</summary>
    public TimeSpan ScoringTime
    {
        get
        {
            lock (_gate)
            {
                return _lastAdvance;
            }
        }
    }

    /// <summary>Takes a sample of the scorer's counters.</summary>
    public void Observe(PipelineMetrics metrics)
    {
        lock (_gate)
        {
            if (metrics.Scored > _scored)
            {
                _scored = metrics.Scored;
                _lastAdvance = time.GetElapsedTime(_started);
            }
        }
    }
}
