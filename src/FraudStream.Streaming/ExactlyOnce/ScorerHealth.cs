namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>What /health/ready reports for the scorer: partitions assigned and a transactional producer ready.</summary>
public sealed class ScorerHealth
{
    private int _assignedPartitions;
    private int _producerReady;
    private int _producerInitializations;
    private string? _configurationProblem;
    private string? _fenced;

    /// <summary>Partitions of the input topic this instance owns.</summary>
    public int AssignedPartitions => Volatile.Read(ref _assignedPartitions);

    /// <summary>True once InitTransactions has succeeded, false while the producer is being rebuilt.</summary>
    public bool ProducerReady => Volatile.Read(ref _producerReady) == 1;

    /// <summary>How many times InitTransactions has succeeded: more than once means the producer was rebuilt.</summary>
    public int ProducerInitializations => Volatile.Read(ref _producerInitializations);

    /// <summary>Set when the scorer stopped at start because the cluster lacks what its settings name: one sentence saying what to fix.</summary>
    public string? ConfigurationProblem => Volatile.Read(ref _configurationProblem);

    /// <summary>Set when another live instance fenced this one (same transactional id) and it stopped: one sentence.</summary>
    public string? Fenced => Volatile.Read(ref _fenced);

    internal void SetConfigurationProblem(string problem) => Volatile.Write(ref _configurationProblem, problem);

    internal void SetFenced(string problem) => Volatile.Write(ref _fenced, problem);

    internal void SetAssignedPartitions(int count) => Volatile.Write(ref _assignedPartitions, count);

    internal void SetProducerReady(bool ready)
    {
        Volatile.Write(ref _producerReady, ready ? 1 : 0);
        if (ready)
        {
            Interlocked.Increment(ref _producerInitializations);
        }
    }
}
