using Confluent.Kafka;
using FraudStream.Streaming.ExactlyOnce;

namespace FraudStream.Streaming.Tests.Fakes;

/// <summary>Hands the engine fake clients on one <see cref="FakeCluster"/>.</summary>
internal sealed class FakeClientFactory(FakeCluster cluster) : IKafkaClientFactory
{
    public FakeConsumer? Consumer { get; private set; }

    public int ProducersCreated { get; private set; }

    public IConsumer<byte[], byte[]> CreateConsumer(IPartitionListener listener, IDeserializer<byte[]> recordBytes) =>
        Consumer = new FakeConsumer(cluster, listener, recordBytes);

    public IProducer<byte[], byte[]> CreateProducer()
    {
        ProducersCreated++;
        return new FakeProducer(cluster);
    }
}
