using FraudStream.Core.Features.History;
using FraudStream.Core.Transactions;

namespace FraudStream.Training.Data;

/// <summary>
/// Replays transactions in event-time order through the scorer's own state code (<see cref="HistoryFeatures.Observe"/>),
/// with each label taken in at its label time: the history features a transaction gets here are the ones the stream
/// gives it, and no label is used before it was known. Training replays a whole file (<see cref="Compute(IReadOnlyList{LabelledTransaction}, HistorySettings, TimeSpan)"/>);
/// <c>fraudstream predict</c> feeds it one row at a time.
/// </summary>
/// <remarks>
/// What it holds: the cards' kept histories and the merchants' and terminals' labels (as a scorer does), and the labels
/// not yet known at the latest event time seen, waiting for their label time.
/// </remarks>
public sealed class HistoryReplay
{
    private readonly CardHistoryStore _cards;
    private readonly LabelHistory _labels;
    private readonly TimeSpan _labelDelay;
    private readonly PriorityQueue<FraudLabel, (DateTimeOffset LabelTime, long Row)> _pending = new();
    private DateTimeOffset _latest;

    /// <summary>
    /// An empty history kept with <paramref name="settings"/>; a labelled row without a label time is known
    /// <paramref name="labelDelay"/> after its event time.
    /// </summary>
    public HistoryReplay(HistorySettings settings, TimeSpan labelDelay)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _cards = new CardHistoryStore(settings);
        _labels = new LabelHistory(settings);
        _labelDelay = labelDelay;
    }

    /// <summary>Transactions observed so far.</summary>
    public long Observed { get; private set; }

    /// <summary>Labels waiting for their label time.</summary>
    public int PendingLabels => _pending.Count;

    /// <summary>
    /// The history features of the rows of <paramref name="ordered"/> (sorted by event time), row-major, <see cref="HistoryFeatures.Count"/>
    /// per row. A row's label is known at its <see cref="LabelledTransaction.LabelTime"/>, or <paramref name="labelDelay"/> after its event time.
    /// </summary>
    public static float[] Compute(IReadOnlyList<LabelledTransaction> ordered, HistorySettings settings, TimeSpan labelDelay) =>
        Compute(ordered, [], settings, labelDelay);

    /// <summary>
    /// As <see cref="Compute(IReadOnlyList{LabelledTransaction}, HistorySettings, TimeSpan)"/>, with <paramref name="unlabelled"/>
    /// (any order) observed between the rows in event-time order, without a label: they enter their cards' history as they did
    /// in the stream, and get no features of their own (at equal event times the row goes first). <paramref name="warmUp"/>
    /// (any order) are observed the same way with their labels: history before the rows, never rows themselves.
    /// </summary>
    public static float[] Compute(
        IReadOnlyList<LabelledTransaction> ordered, IEnumerable<Transaction> unlabelled, HistorySettings settings, TimeSpan labelDelay,
        IEnumerable<LabelledTransaction>? warmUp = null)
    {
        ArgumentNullException.ThrowIfNull(ordered);
        ArgumentNullException.ThrowIfNull(unlabelled);
        var width = HistoryFeatures.Count;
        var features = new float[(long)ordered.Count * width];
        // History-only transactions: without a label (awaiting one), or with their label (the warm-up).
        var others = unlabelled.Select(t => (Transaction: t, IsFraud: (bool?)null, LabelTime: (DateTimeOffset?)null))
            .Concat((warmUp ?? []).Select(r => (r.Transaction, IsFraud: (bool?)r.IsFraud, r.LabelTime)))
            .OrderBy(o => o.Transaction.EventTime)
            .ToList();
        var unused = new float[width];
        var replay = new HistoryReplay(settings, labelDelay);
        var next = 0;
        for (var i = 0; i < ordered.Count; i++)
        {
            var row = ordered[i];
            for (; next < others.Count && others[next].Transaction.EventTime < row.Transaction.EventTime; next++)
            {
                replay.Observe(others[next].Transaction, others[next].IsFraud, others[next].LabelTime, unused);
            }

            replay.Observe(row.Transaction, row.IsFraud, row.LabelTime, features.AsSpan(i * width, width));
        }

        // Transactions after the last row change nothing a row sees.
        return features;
    }

    /// <summary>
    /// Writes the history features of <paramref name="transaction"/>, the next in event-time order, into <paramref name="features"/>
    /// (<see cref="HistoryFeatures.Count"/> floats), then remembers it; its label, when it has one (<paramref name="isFraud"/>), counts
    /// from <paramref name="labelTime"/> on, or from the label delay after its event time.
    /// </summary>
    /// <exception cref="ArgumentException">The transaction is older than one observed before it.</exception>
    public void Observe(Transaction transaction, bool? isFraud, DateTimeOffset? labelTime, Span<float> features)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var time = transaction.EventTime;
        if (Observed > 0 && time < _latest)
        {
            throw new ArgumentException("History is replayed in event-time order: sort the transactions first.", nameof(transaction));
        }

        // Labels known by now go in first; a label known later than this transaction stays queued.
        while (_pending.TryPeek(out var label, out _) && label.LabelTime <= time)
        {
            _labels.Add(_pending.Dequeue());
        }

        HistoryFeatures.Observe(_cards, _labels, transaction, features);
        if (isFraud is { } fraud)
        {
            var known = labelTime ?? time + _labelDelay;
            _pending.Enqueue(FraudLabel.Of(transaction, fraud, known), (known, Observed));
        }

        _latest = time;
        Observed++;
    }
}
