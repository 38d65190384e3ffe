using Confluent.Kafka;

namespace FraudStream.Streaming.Tests.Fakes;

/// <summary>
/// A test double of a transactional producer on <see cref="FakeCluster"/>. Each call first runs the fault scripted for
/// its name; CommitTransaction runs "CommitTransaction" before the coordinator applies the commit and
/// "CommitTransaction.response" after, so a fault there is a commit that happened but whose answer was lost.
/// </summary>
internal sealed class FakeProducer(FakeCluster cluster) : IProducer<byte[], byte[]>
{
    private readonly List<(string Topic, byte[] Value)> _outputs = [];
    private readonly List<TopicPartitionOffset> _offsets = [];
    private int _epoch;
    private TxnState _state = TxnState.Ready;

    private enum TxnState
    {
        Ready,
        Open,
        Applied,
    }

    public Handle Handle => throw new NotSupportedException();

    public string Name => "fake-producer";

    public void InitTransactions(TimeSpan timeout)
    {
        cluster.Call("InitTransactions");
        _epoch = cluster.InitProducer();
    }

    public void BeginTransaction()
    {
        cluster.Call("BeginTransaction");
        EnsureCurrent();
        _state = TxnState.Open;
        _outputs.Clear();
        _offsets.Clear();
    }

    public void Produce(string topic, Message<byte[], byte[]> message, Action<DeliveryReport<byte[], byte[]>>? deliveryHandler = null)
    {
        cluster.Call("Produce");
        _outputs.Add((topic, [.. message.Value])); // librdkafka copies the bytes before Produce returns; the caller may reuse its array
    }

    public void SendOffsetsToTransaction(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, TimeSpan timeout)
    {
        cluster.Call("SendOffsetsToTransaction");
        EnsureCurrent();
        _offsets.AddRange(offsets);
    }

    public void CommitTransaction(TimeSpan timeout)
    {
        cluster.Call("CommitTransaction");
        EnsureCurrent();
        if (_state == TxnState.Open)
        {
            cluster.Apply(_outputs, _offsets);
            _state = TxnState.Applied;
        }

        cluster.Call("CommitTransaction.response");
        _state = TxnState.Ready;
    }

    public void CommitTransaction() => CommitTransaction(Timeout.InfiniteTimeSpan);

    public void AbortTransaction(TimeSpan timeout)
    {
        cluster.Call("AbortTransaction");
        if (_state == TxnState.Applied)
        {
            throw new KafkaException(new Error(ErrorCode.Local_State, "Operation not valid in state CommittingTransaction"));
        }

        _outputs.Clear();
        _offsets.Clear();
        _state = TxnState.Ready;
    }

    public void AbortTransaction() => AbortTransaction(Timeout.InfiniteTimeSpan);

    public int Poll(TimeSpan timeout) => 0;

    public int Flush(TimeSpan timeout) => 0;

    public void Flush(CancellationToken cancellationToken = default)
    {
    }

    public void Dispose() => cluster.Call("Producer.Dispose");

    private void EnsureCurrent()
    {
        if (!cluster.IsCurrent(_epoch))
        {
            throw new KafkaException(new Error(ErrorCode.Local_Fenced, "The producer was fenced by a newer instance", isFatal: true));
        }
    }

    public Task<DeliveryResult<byte[], byte[]>> ProduceAsync(string topic, Message<byte[], byte[]> message, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<DeliveryResult<byte[], byte[]>> ProduceAsync(TopicPartition topicPartition, Message<byte[], byte[]> message, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public void Produce(TopicPartition topicPartition, Message<byte[], byte[]> message, Action<DeliveryReport<byte[], byte[]>>? deliveryHandler = null) =>
        Produce(topicPartition.Topic, message, deliveryHandler);

    public int AddBrokers(string brokers) => throw new NotSupportedException();

    public void SetSaslCredentials(string username, string password) => throw new NotSupportedException();
}
