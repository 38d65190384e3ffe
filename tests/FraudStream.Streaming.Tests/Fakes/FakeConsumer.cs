using Confluent.Kafka;
using FraudStream.Streaming.ExactlyOnce;

namespace FraudStream.Streaming.Tests.Fakes;

/// <summary>
/// A test double of the group consumer on <see cref="FakeCluster"/>: on the first Consume after Subscribe it is assigned
/// every partition (the listener is told from inside Consume, as librdkafka does), then hands out records round-robin
/// from its positions, skipping paused partitions. Values are copied out of the cluster with the engine's deserializer,
/// as librdkafka's buffers are by Confluent.Kafka.
/// </summary>
internal sealed class FakeConsumer(FakeCluster cluster, IPartitionListener listener, IDeserializer<byte[]> recordBytes) : IConsumer<byte[], byte[]>
{
    // The application position (past the last record handed out, or where Seek put it) and the fetch position
    // (where the next record is read from); they differ after a record librdkafka could not read, as in librdkafka.
    private readonly Dictionary<TopicPartition, long> _positions = [];
    private readonly Dictionary<TopicPartition, long> _fetch = [];
    private readonly HashSet<TopicPartition> _paused = [];
    private readonly Lock _lock = new();
    private readonly HashSet<byte[]> _valueArrays = new(ReferenceEqualityComparer.Instance);
    private bool _subscribed;
    private int _next;

    /// <summary>Records handed out.</summary>
    public int RecordsConsumed { get; private set; }

    /// <summary>Distinct value arrays among the records handed out: fewer than the records when the engine's arrays are used again.</summary>
    public int ValueArrays => _valueArrays.Count;

    /// <summary>Consume calls made while every assigned partition was paused.</summary>
    public int ConsumesWhilePaused { get; private set; }

    /// <summary>Consume calls that would wait for a record (a timeout above zero) when none is at hand.</summary>
    public int WaitingConsumes { get; private set; }

    public List<TopicPartition> Assignment
    {
        get
        {
            lock (_lock)
            {
                return [.. _positions.Keys];
            }
        }
    }

    public Handle Handle => throw new NotSupportedException();

    public string Name => "fake-consumer";

    public string MemberId => "fake-member";

    public List<string> Subscription => _subscribed ? [cluster.Topic] : [];

    public IConsumerGroupMetadata ConsumerGroupMetadata => new FakeGroupMetadata();

    public void Subscribe(string topic) => _subscribed = true;

    public void Subscribe(IEnumerable<string> topics) => _subscribed = true;

    public ConsumeResult<byte[], byte[]>? Consume(TimeSpan timeout)
    {
        cluster.Call("Consume");
        if (_subscribed && _positions.Count == 0)
        {
            var partitions = cluster.TopicPartitions.ToList();
            listener.Assigned(this, partitions);
            lock (_lock)
            {
                foreach (var partition in partitions)
                {
                    var committed = cluster.CommittedOffset(partition);
                    _positions[partition] = _fetch[partition] = committed >= 0 ? committed : 0;
                }
            }
        }

        var assigned = Assignment;
        if (assigned.Count > 0 && assigned.All(_paused.Contains))
        {
            ConsumesWhilePaused++;
        }

        for (var i = 0; i < assigned.Count; i++)
        {
            var partition = assigned[(_next + i) % assigned.Count];
            var position = _fetch[partition];
            if (_paused.Contains(partition) || position >= cluster.Partitions[partition.Partition.Value].Count)
            {
                continue;
            }

            _next = (_next + i + 1) % assigned.Count;
            var tpo = new TopicPartitionOffset(partition, position);
            if (cluster.TakeConsumeError(tpo) is { } error)
            {
                if (error.Code == ErrorCode.Local_BadMsg)
                {
                    _fetch[partition] = position + 1; // the fetcher goes on past a record it could not read; the application position does not
                }

                throw new ConsumeException(new ConsumeResult<byte[], byte[]> { TopicPartitionOffset = tpo }, error);
            }

            _positions[partition] = _fetch[partition] = position + 1;
            return new ConsumeResult<byte[], byte[]>
            {
                TopicPartitionOffset = tpo,
                Message = new Message<byte[], byte[]> { Value = Copy(cluster.Partitions[partition.Partition.Value][(int)position]), Timestamp = new Timestamp(DateTime.UnixEpoch) },
            };
        }

        if (timeout > TimeSpan.Zero)
        {
            WaitingConsumes++;
        }

        Thread.Sleep(timeout < TimeSpan.FromMilliseconds(1) ? timeout : TimeSpan.FromMilliseconds(1)); // a real Consume waits for data
        return null;
    }

    private byte[] Copy(byte[]? value)
    {
        var copy = recordBytes.Deserialize(value, value is null, new SerializationContext(MessageComponentType.Value, cluster.Topic));
        RecordsConsumed++;
        _valueArrays.Add(copy);
        return copy;
    }

    public ConsumeResult<byte[], byte[]>? Consume(int millisecondsTimeout) => Consume(TimeSpan.FromMilliseconds(millisecondsTimeout));

    public ConsumeResult<byte[], byte[]> Consume(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public void Pause(IEnumerable<TopicPartition> partitions) => _paused.UnionWith(partitions);

    /// <summary>Resuming fetches again from the application position, as librdkafka does.</summary>
    public void Resume(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions.ToList())
        {
            if (_paused.Remove(partition) && _positions.TryGetValue(partition, out var position))
            {
                _fetch[partition] = position;
            }
        }
    }

    public bool IsPaused(TopicPartition partition) => _paused.Contains(partition);

    public void Seek(TopicPartitionOffset tpo)
    {
        cluster.Call("Seek");
        var offset = tpo.Offset == Offset.Beginning ? 0
            : tpo.Offset == Offset.End ? cluster.Partitions[tpo.Partition.Value].Count
            : tpo.Offset.Value;
        _positions[tpo.TopicPartition] = _fetch[tpo.TopicPartition] = offset;
    }

    public List<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions, TimeSpan timeout)
    {
        cluster.Call("Committed");
        return [.. partitions.Select(p => new TopicPartitionOffset(p, cluster.CommittedOffset(p)))];
    }

    public List<TopicPartitionOffset> Committed(TimeSpan timeout) => Committed(Assignment, timeout);

    public Offset Position(TopicPartition partition) => _positions.TryGetValue(partition, out var position) ? position : Offset.Unset;

    public WatermarkOffsets GetWatermarkOffsets(TopicPartition topicPartition) =>
        new(0, cluster.Partitions[topicPartition.Partition.Value].Count);

    public void Close() => cluster.Call("Close");

    public void Dispose()
    {
    }

    public void Unsubscribe() => throw new NotSupportedException();

    public void Assign(TopicPartition partition) => throw new NotSupportedException();

    public void Assign(TopicPartitionOffset partition) => throw new NotSupportedException();

    public void Assign(IEnumerable<TopicPartitionOffset> partitions) => throw new NotSupportedException();

    public void Assign(IEnumerable<TopicPartition> partitions) => throw new NotSupportedException();

    public void IncrementalAssign(IEnumerable<TopicPartitionOffset> partitions) => throw new NotSupportedException();

    public void IncrementalAssign(IEnumerable<TopicPartition> partitions) => throw new NotSupportedException();

    public void IncrementalUnassign(IEnumerable<TopicPartition> partitions) => throw new NotSupportedException();

    public void Unassign() => throw new NotSupportedException();

    public void StoreOffset(ConsumeResult<byte[], byte[]> result) => throw new NotSupportedException();

    public void StoreOffset(TopicPartitionOffset offset) => throw new NotSupportedException();

    public List<TopicPartitionOffset> Commit() => throw new NotSupportedException();

    public void Commit(IEnumerable<TopicPartitionOffset> offsets) => throw new NotSupportedException();

    public void Commit(ConsumeResult<byte[], byte[]> result) => throw new NotSupportedException();

    public List<TopicPartitionOffset> OffsetsForTimes(IEnumerable<TopicPartitionTimestamp> timestampsToSearch, TimeSpan timeout) =>
        throw new NotSupportedException();

    public WatermarkOffsets QueryWatermarkOffsets(TopicPartition topicPartition, TimeSpan timeout) => throw new NotSupportedException();

    public int AddBrokers(string brokers) => throw new NotSupportedException();

    public void SetSaslCredentials(string username, string password) => throw new NotSupportedException();

    private sealed class FakeGroupMetadata : IConsumerGroupMetadata;
}
