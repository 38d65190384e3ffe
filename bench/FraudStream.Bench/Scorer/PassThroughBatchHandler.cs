using Confluent.Kafka;
using FraudStream.Streaming.ExactlyOnce;

namespace FraudStream.Bench.Scorer;

/// <summary>
/// The benchmark's baseline: the same exactly-once engine (consume, transaction, offsets) with a handler that decodes,
/// scores and produces nothing, so the scorer's rate can be read as a ratio of the engine's own.
/// </summary>
internal sealed class PassThroughBatchHandler : IBatchHandler
{
    public bool Prepare(CancellationToken stop) => true;

    public IBatchWork CreateWork() => new NoWork();

    public bool Process(RecordBatch batch, CancellationToken stop) => true;

    public void Produce(RecordBatch batch, IProducer<byte[], byte[]> producer)
    {
    }

    public void Committed(RecordBatch batch, DateTimeOffset committedAt)
    {
    }

    private sealed class NoWork : IBatchWork
    {
        public void Clear()
        {
        }
    }
}
