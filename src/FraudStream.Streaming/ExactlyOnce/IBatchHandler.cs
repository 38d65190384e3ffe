using Confluent.Kafka;

namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>
/// What the exactly-once engine does with a batch (the product's is <see cref="ScoringBatchHandler"/>): the engine owns
/// consuming, transactions, offsets, dead letters and recovery; a handler owns turning records into output records.
/// </summary>
public interface IBatchHandler
{
    /// <summary>Waits, before anything is consumed, for what the handler needs (a model, registered schemas); false when stopped first.</summary>
    bool Prepare(CancellationToken stop);

    /// <summary>A fresh per-batch workspace; the engine makes one per pipelined batch and reuses it.</summary>
    IBatchWork CreateWork();

    /// <summary>
    /// Processes a collected batch on a pool thread: adds a <see cref="Rejection"/> for each record that cannot be used.
    /// A dependency outage (the Schema Registry) is waited out here, never dead-lettered: the engine keeps polling the
    /// consumer meanwhile. False when stopped while waiting; the batch is then redone by whoever owns it next.
    /// </summary>
    bool Process(RecordBatch batch, CancellationToken stop);

    /// <summary>Produces the batch's output records inside its transaction, for kept rows only (<see cref="RecordBatch.Keeps"/>).</summary>
    void Produce(RecordBatch batch, IProducer<byte[], byte[]> producer);

    /// <summary>Called once the batch's transaction has committed (metrics of what it produced).</summary>
    void Committed(RecordBatch batch, DateTimeOffset committedAt);

    /// <summary>
    /// Partitions newly assigned (on the loop thread, inside Consume, before any of their records is read): a handler
    /// may start preparing their state here, off the loop thread.
    /// </summary>
    void PartitionsAssigned(IReadOnlyList<TopicPartition> partitions)
    {
    }

    /// <summary>
    /// Partitions revoked or lost (on the loop thread, inside Consume, after the batches were marked): state the handler
    /// keeps for them is no longer this instance's. A batch being processed may still hold their rows; it reads
    /// <see cref="RecordBatch.Dropped"/> under a lock on that set.
    /// </summary>
    void PartitionsGone(IReadOnlyList<TopicPartition> partitions)
    {
    }

    /// <summary>Every uncommitted batch was discarded and the consumer moved back to the committed offsets: state changed by them is void.</summary>
    void Rewound()
    {
    }
}

/// <summary>A handler's per-batch workspace, reused from batch to batch.</summary>
public interface IBatchWork
{
    /// <summary>Forgets the last batch and releases what it held.</summary>
    void Clear();
}
