using System.Text;
using Confluent.Kafka;

namespace FraudStream.Streaming.Tests.Fakes;

/// <summary>
/// A test double of what the engine sees of a Kafka cluster: one input topic, the group's committed offsets, the
/// output of committed transactions, and faults scripted per client call. It keeps Kafka's transactional contract
/// (outputs and offsets of a transaction become visible together at commit, an abort drops both, a second producer
/// with the same transactional id fences the first) and nothing else.
/// </summary>
internal sealed class FakeCluster
{
    private readonly Lock _lock = new();
    private readonly Dictionary<TopicPartition, long> _committed = [];
    private readonly List<(string Topic, byte[] Value)> _outputs = [];
    private readonly Dictionary<string, Queue<Func<Exception?>>> _faults = [];
    private readonly Dictionary<TopicPartitionOffset, Error> _consumeErrors = [];
    private readonly Dictionary<string, Func<Exception?>> _standingFaults = [];
    private int _epoch;

    public FakeCluster(string topic, int partitions, int recordsPerPartition)
    {
        Topic = topic;
        for (var p = 0; p < partitions; p++)
        {
            Partitions.Add([.. Enumerable.Range(0, recordsPerPartition).Select(i => Encoding.UTF8.GetBytes($"p{p}-{i}"))]);
        }
    }

    public string Topic { get; }

    /// <summary>Each partition's record values, by offset.</summary>
    public List<List<byte[]>> Partitions { get; } = [];

    /// <summary>Every client call made, by name, in order (for asserting that faults fired and what followed).</summary>
    public List<string> Calls { get; } = [];

    public IEnumerable<TopicPartition> TopicPartitions => Enumerable.Range(0, Partitions.Count).Select(p => new TopicPartition(Topic, p));

    public int TotalRecords => Partitions.Sum(p => p.Count);

    /// <summary>Makes the next call(s) of <paramref name="call"/> run <paramref name="fault"/>; a null result lets the call proceed.</summary>
    public void Inject(string call, Func<Exception?> fault, int times = 1)
    {
        lock (_lock)
        {
            if (!_faults.TryGetValue(call, out var queue))
            {
                _faults[call] = queue = new Queue<Func<Exception?>>();
            }

            for (var i = 0; i < times; i++)
            {
                queue.Enqueue(fault);
            }
        }
    }

    /// <summary>Makes every call of <paramref name="call"/> run <paramref name="fault"/> after the scripted ones; a null result lets the call proceed.</summary>
    public void InjectAlways(string call, Func<Exception?> fault)
    {
        lock (_lock)
        {
            _standingFaults[call] = fault;
        }
    }

    /// <summary>The last calls made, for a failing test's message.</summary>
    public string RecentCalls()
    {
        lock (_lock)
        {
            return string.Join(", ", Calls.TakeLast(20));
        }
    }

    /// <summary>Records the call and throws the next fault scripted for it, if any.</summary>
    public void Call(string call)
    {
        Func<Exception?>? fault = null;
        lock (_lock)
        {
            Calls.Add(call);
            if (_faults.TryGetValue(call, out var queue) && queue.Count > 0)
            {
                fault = queue.Dequeue();
            }
            else
            {
                fault = _standingFaults.GetValueOrDefault(call);
            }
        }

        if (fault?.Invoke() is { } error)
        {
            throw error;
        }
    }

    /// <summary>
    /// The consumer fails with <paramref name="error"/> when it fetches <paramref name="at"/>: every time for a corrupt
    /// record (Local_BadMsg), once for a partition-level error.
    /// </summary>
    public void FailConsumeAt(TopicPartitionOffset at, Error error)
    {
        lock (_lock)
        {
            _consumeErrors[at] = error;
        }
    }

    public Error? TakeConsumeError(TopicPartitionOffset at)
    {
        lock (_lock)
        {
            // A corrupt record stays corrupt; a partition-level error is a moment's.
            return !_consumeErrors.TryGetValue(at, out var error) ? null
                : error.Code == ErrorCode.Local_BadMsg ? error
                : _consumeErrors.Remove(at, out error) ? error : null;
        }
    }

    public int CallCount(string call)
    {
        lock (_lock)
        {
            return Calls.Count(c => c == call);
        }
    }

    /// <summary>The outputs of committed transactions.</summary>
    public List<(string Topic, string Value)> CommittedOutputs()
    {
        lock (_lock)
        {
            return [.. _outputs.Select(o => (o.Topic, Encoding.UTF8.GetString(o.Value)))];
        }
    }

    public long CommittedOffset(TopicPartition partition)
    {
        lock (_lock)
        {
            return _committed.TryGetValue(partition, out var offset) ? offset : Offset.Unset.Value;
        }
    }

    /// <summary>True once every input record is behind the group's committed offsets.</summary>
    public bool AllCommitted() => TopicPartitions.All(tp => CommittedOffset(tp) == Partitions[tp.Partition.Value].Count);

    /// <summary>A new producer's InitTransactions: a new epoch fences every older producer with the same id.</summary>
    public int InitProducer()
    {
        lock (_lock)
        {
            return ++_epoch;
        }
    }

    public bool IsCurrent(int epoch)
    {
        lock (_lock)
        {
            return epoch == _epoch;
        }
    }

    /// <summary>Applies a transaction: its outputs and offsets become visible together.</summary>
    public void Apply(IEnumerable<(string Topic, byte[] Value)> outputs, IEnumerable<TopicPartitionOffset> offsets)
    {
        lock (_lock)
        {
            _outputs.AddRange(outputs);
            foreach (var offset in offsets)
            {
                _committed[offset.TopicPartition] = offset.Offset.Value;
            }
        }
    }
}
