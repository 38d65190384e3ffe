using Confluent.Kafka;
using FraudStream.Streaming.Scoring;
using Transaction = FraudStream.Core.Transactions.Transaction;

namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>
/// One batch on its way through the scorer's pipeline: its records while collected, then its transactions, rejections
/// and scores once scored. The loop keeps three, so one is scored while another is collected and a third committed.
/// </summary>
internal sealed class PipelinedBatch(int topFeatures)
{
    /// <summary>The consumed records, in consumption order.</summary>
    public List<ConsumeResult<byte[], byte[]>> Records { get; } = [];

    /// <summary>The decoded transactions; <see cref="TransactionRows"/> holds each one's index in <see cref="Records"/>.</summary>
    public List<Transaction> Transactions { get; } = [];

    /// <summary>For each transaction, its record's index in <see cref="Records"/>.</summary>
    public List<int> TransactionRows { get; } = [];

    /// <summary>Records bound for the dead-letter topic: their index in <see cref="Records"/> and why.</summary>
    public List<(int Row, string Reason, Exception Error)> Rejected { get; } = [];

    /// <summary>
    /// Partitions revoked or lost after the batch left collection: their records are neither produced nor committed
    /// (the next owner redoes them from the committed offsets).
    /// </summary>
    public HashSet<TopicPartition> Dropped { get; } = [];

    /// <summary>Each batch scores with its own buffers, so scoring one never overwrites the other's results.</summary>
    public TransactionScorer Scorer { get; } = new(topFeatures);

    /// <summary>The scores, valid once scoring finished.</summary>
    public ScoredBatch Scored { get; set; }

    /// <summary>The model that scored the batch, held until the batch is committed or discarded.</summary>
    public ModelLease Lease { get; set; }

    /// <summary>Time spent decoding, building features and predicting.</summary>
    public TimeSpan ScoringTime { get; set; }

    /// <summary>The number of records.</summary>
    public int Count => Records.Count;

    /// <summary>True unless the record's partition was dropped after collection.</summary>
    public bool Keeps(int row) => Dropped.Count == 0 || !Dropped.Contains(Records[row].TopicPartition);

    /// <summary>
    /// Widens <paramref name="ranges"/> by the first and last offset of each kept partition, computed from the records
    /// every time: a range kept from an earlier batch would rewind to offsets that are already committed.
    /// </summary>
    public void AddRanges(Dictionary<TopicPartition, (long First, long Last)> ranges)
    {
        foreach (var record in Records)
        {
            if (Dropped.Count > 0 && Dropped.Contains(record.TopicPartition))
            {
                continue;
            }

            var offset = record.Offset.Value;
            ranges[record.TopicPartition] = ranges.TryGetValue(record.TopicPartition, out var range)
                ? (Math.Min(range.First, offset), Math.Max(range.Last, offset))
                : (offset, offset);
        }
    }

    /// <summary>Releases the model and empties the batch for reuse.</summary>
    public void Clear()
    {
        Lease.Dispose();
        Lease = default;
        Scored = default;
        ScoringTime = TimeSpan.Zero;
        Records.Clear();
        Transactions.Clear();
        TransactionRows.Clear();
        Rejected.Clear();
        Dropped.Clear();
    }
}
