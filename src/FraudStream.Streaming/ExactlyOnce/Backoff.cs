namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>Exponential back-off for the loop's waits on the cluster or the registry: 100 ms, doubling, at most 10 s.</summary>
internal sealed class Backoff(TimeProvider time)
{
    private static readonly TimeSpan s_first = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_max = TimeSpan.FromSeconds(10);

    /// <summary>The next wait.</summary>
    public TimeSpan Delay { get; private set; } = s_first;

    /// <summary>Waits <see cref="Delay"/> (on <see cref="TimeProvider"/>'s clock) and doubles it; true when <paramref name="stop"/> ended the wait.</summary>
    public bool Wait(CancellationToken stop)
    {
        var delay = Delay;
        Delay = Delay * 2 < s_max ? Delay * 2 : s_max;
        try
        {
            Task.Delay(delay, time, stop).GetAwaiter().GetResult();
            return false;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return true;
        }
    }
}
