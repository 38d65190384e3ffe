using FraudStream.Core.Features.History;
using FraudStream.Serving;
using Transaction = FraudStream.Core.Transactions.Transaction;

namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>The scorer's workspace for one batch: transactions, their rows, and scores with the model that made them.</summary>
internal sealed class ScoringWork(int topFeatures) : IBatchWork
{
    /// <summary>Each batch scores with its own buffers, so scoring one never overwrites another's results.</summary>
    public TransactionScorer Scorer { get; } = new(topFeatures);

    /// <summary>The challenger's scorer: no explanations, as it raises no alerts.</summary>
    public TransactionScorer ShadowScorer { get; } = new(0);

    public List<Transaction> Transactions { get; } = [];

    /// <summary>For each transaction, its record's index in <see cref="RecordBatch.Records"/>.</summary>
    public List<int> TransactionRows { get; } = [];

    public ScoredBatch Scored { get; set; }

    /// <summary>The model that scored the batch, held until the batch is committed or discarded.</summary>
    public ModelLease Lease { get; set; }

    /// <summary>The challenger's scores, when it scored the batch (<see cref="ShadowLease"/> holds a model).</summary>
    public ScoredBatch Shadow { get; set; }

    /// <summary>The challenger that scored the batch, if any.</summary>
    public ModelLease ShadowLease { get; set; }

    public TimeSpan ScoringTime { get; set; }

    /// <summary>History features, <see cref="HistoryFeatures.Count"/> per transaction.</summary>
    public float[] History { get; private set; } = [];

    /// <summary>The card histories the batch changed, for the changelog.</summary>
    public ChangelogBuffer Changelog { get; } = new();

    public void GrowHistory()
    {
        var needed = Transactions.Count * HistoryFeatures.Count;
        if (History.Length < needed)
        {
            History = new float[Math.Max(needed, History.Length * 2)];
        }
    }

    public void Clear()
    {
        Changelog.Clear();
        Lease.Dispose();
        Lease = default;
        Scored = default;
        ShadowLease.Dispose();
        ShadowLease = default;
        Shadow = default;
        ScoringTime = TimeSpan.Zero;
        Transactions.Clear();
        TransactionRows.Clear();
    }
}
