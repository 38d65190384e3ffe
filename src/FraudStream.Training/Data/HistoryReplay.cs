using FraudStream.Core.Features.History;
using FraudStream.Core.Transactions;

namespace FraudStream.Training.Data;

/// <summary>
/// Replays labelled transactions in event-time order through the scorer's own state code (<see cref="HistoryFeatures.Observe"/>),
/// with each label taken in at its label time: the history features a transaction gets here are the ones the stream
/// gives it, and no label is used before it was known.
/// </summary>
public static class HistoryReplay
{
    /// <summary>
    /// The history features of <paramref name="ordered"/> (sorted by event time), row-major, <see cref="HistoryFeatures.Count"/>
    /// per row. A row's label is known at its <see cref="LabelledTransaction.LabelTime"/>, or <paramref name="labelDelay"/> after its event time.
    /// </summary>
    public static float[] Compute(IReadOnlyList<LabelledTransaction> ordered, HistorySettings settings, TimeSpan labelDelay)
    {
        ArgumentNullException.ThrowIfNull(ordered);
        ArgumentNullException.ThrowIfNull(settings);
        var width = HistoryFeatures.Count;
        var features = new float[(long)ordered.Count * width];
        var cards = new CardHistoryStore(settings);
        var labels = new LabelHistory(settings);
        var pending = new PriorityQueue<FraudLabel, (DateTimeOffset, int)>();
        for (var i = 0; i < ordered.Count; i++)
        {
            var row = ordered[i];
            var time = row.Transaction.EventTime;
            if (i > 0 && time < ordered[i - 1].Transaction.EventTime)
            {
                throw new ArgumentException("History is replayed in event-time order: sort the transactions first.", nameof(ordered));
            }

            // Labels known by now go in first; a label known later than this transaction stays queued.
            while (pending.TryPeek(out var label, out _) && label.LabelTime <= time)
            {
                labels.Add(pending.Dequeue());
            }

            HistoryFeatures.Observe(cards, labels, row.Transaction, features.AsSpan(i * width, width));
            var known = row.LabelTime ?? time + labelDelay;
            pending.Enqueue(FraudLabel.Of(row, known), (known, i));
        }

        return features;
    }
}
