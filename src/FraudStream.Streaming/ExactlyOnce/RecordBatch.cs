using System.Diagnostics;
using Confluent.Kafka;

namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>A record the batch sends to the dead-letter topic: its index in <see cref="RecordBatch.Records"/> and why.</summary>
public readonly record struct Rejection(int Row, string Reason, Exception Error);

/// <summary>
/// One batch on its way through the exactly-once engine: the consumed records, the records it dead-letters, the
/// partitions revoked since it was collected, and the <see cref="IBatchHandler"/>'s own work on it. The engine keeps
/// three, so one is processed on a pool thread while another is collected and a third committed.
/// </summary>
public sealed class RecordBatch
{
    internal RecordBatch(IBatchWork work) => Work = work;

    /// <summary>The consumed records, in consumption order.</summary>
    public List<ConsumeResult<byte[], byte[]>> Records { get; } = [];

    /// <summary>Records bound for the dead-letter topic.</summary>
    public List<Rejection> Rejected { get; } = [];

    /// <summary>
    /// Partitions revoked or lost after the batch left collection: their records are neither produced nor committed
    /// (the next owner redoes them from the committed offsets).
    /// </summary>
    public HashSet<TopicPartition> Dropped { get; } = [];

    /// <summary>What the handler made of the records (decoded transactions, scores); its own type.</summary>
    public IBatchWork Work { get; }

    /// <summary>When the first record was collected (<see cref="TimeProvider.GetTimestamp"/>); the linger counts from it.</summary>
    internal long FirstRecordAt { get; set; }

    /// <summary>The batch's span while it is processed and committed; null when tracing is off.</summary>
    internal Activity? Trace { get; set; }

    /// <summary>The number of records.</summary>
    public int Count => Records.Count;

    /// <summary>True unless the record's partition was dropped after collection.</summary>
    public bool Keeps(int row) => Dropped.Count == 0 || !Dropped.Contains(Records[row].TopicPartition);

    /// <summary>The next offset to read of each kept partition: what the batch's transaction commits.</summary>
    internal List<TopicPartitionOffset> NextOffsets()
    {
        // Records come in runs of one partition, each in offset order: the dictionary is touched once per run.
        var next = new Dictionary<TopicPartition, long>();
        ConsumeResult<byte[], byte[]>? last = null;
        foreach (var record in Records)
        {
            if (last is not null && record.Partition == last.Partition && record.Topic == last.Topic && record.Offset > last.Offset)
            {
                last = record;
                continue;
            }

            Note(next, last);
            last = record;
        }

        Note(next, last);
        return [.. next.Select(p => new TopicPartitionOffset(p.Key, p.Value))];
    }

    /// <summary>Records the offset after <paramref name="last"/> for its partition, unless the partition was dropped.</summary>
    private void Note(Dictionary<TopicPartition, long> next, ConsumeResult<byte[], byte[]>? last)
    {
        if (last is null || (Dropped.Count > 0 && Dropped.Contains(last.TopicPartition)))
        {
            return;
        }

        var offset = last.Offset.Value + 1;
        next[last.TopicPartition] = next.TryGetValue(last.TopicPartition, out var seen) ? Math.Max(seen, offset) : offset;
    }

    /// <summary>
    /// Removes the records of <paramref name="gone"/> from a batch still being collected, keeping the rest and their
    /// rejections in order; returns how many were removed.
    /// </summary>
    internal int RemovePartitions(HashSet<TopicPartition> gone)
    {
        var newRow = new int[Records.Count];
        var kept = 0;
        for (var row = 0; row < Records.Count; row++)
        {
            if (gone.Contains(Records[row].TopicPartition))
            {
                newRow[row] = -1;
                continue;
            }

            newRow[row] = kept;
            Records[kept++] = Records[row];
        }

        var removed = Records.Count - kept;
        Records.RemoveRange(kept, removed);
        Rejected.RemoveAll(r => newRow[r.Row] < 0);
        for (var r = 0; r < Rejected.Count; r++)
        {
            Rejected[r] = Rejected[r] with { Row = newRow[Rejected[r].Row] };
        }

        return removed;
    }

    /// <summary>Empties the batch (and the handler's work) for reuse.</summary>
    internal void Clear()
    {
        // Whatever became of the batch (committed, aborted, discarded), its span ends here.
        Trace?.Dispose();
        Trace = null;
        Work.Clear();
        FirstRecordAt = 0;
        Records.Clear();
        Rejected.Clear();
        Dropped.Clear();
    }
}
