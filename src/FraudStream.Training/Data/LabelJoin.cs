using System.Globalization;
using FraudStream.Core.Models;
using FraudStream.Core.Transactions;

namespace FraudStream.Training.Data;

/// <summary>How the transactions and labels read from a stream became training data.</summary>
/// <param name="Transactions">Transactions in the window (each id once).</param>
/// <param name="Fraud">Of them, labelled fraud before the window's end.</param>
/// <param name="Genuine">Labelled genuine before the window's end.</param>
/// <param name="GenuineWithoutLabel">Without a label by the end but older than the label delay: genuine, as no chargeback came.</param>
/// <param name="AwaitingLabel">Without a label by the end and more recent than the label delay: not trained on, only in history.</param>
/// <param name="OutsideWindow">Transactions read whose event time is outside the window.</param>
/// <param name="DuplicateTransactions">Transactions whose id came again (the first is kept).</param>
/// <param name="LabelsAfterEnd">Labels whose label time is at or after the window's end: not yet known then, so not used.</param>
/// <param name="LabelsWithoutTransaction">Transactions labelled before the end that are neither in the window nor in its warm-up (each counted once).</param>
/// <param name="WarmUp">Transactions of the warm-up before the window: history only (with their labels known before the end).</param>
public sealed record LabelJoinCounts(
    int Transactions,
    int Fraud,
    int Genuine,
    int GenuineWithoutLabel,
    int AwaitingLabel,
    int OutsideWindow,
    int DuplicateTransactions,
    int LabelsAfterEnd,
    int LabelsWithoutTransaction,
    int WarmUp = 0);

/// <summary>The training data of a window: rows to learn from, transactions still awaiting a label, and what happened to everything read.</summary>
/// <param name="Rows">Rows in event-time order (ties by transaction id, so the order does not depend on how partitions interleaved).</param>
/// <param name="Unlabelled">Transactions whose label could still come, and the warm-up's unlabelled ones: they only feed history.</param>
/// <param name="Counts">What happened to each transaction and label read.</param>
public sealed record JoinedLabels(IReadOnlyList<LabelledTransaction> Rows, IReadOnlyList<Transaction> Unlabelled, LabelJoinCounts Counts)
{
    /// <summary>The warm-up's labelled transactions (label known before the end), in event-time order: history only, never trained on.</summary>
    public IReadOnlyList<LabelledTransaction> WarmUp { get; init; } = [];
}

/// <summary>
/// Joins transactions and labels read from the stream into training data for an event-time window [From, To), with the
/// labels as they were known at To, so nothing is learned from the future:
/// <list type="bullet">
/// <item>a transaction whose label's time is before To is trained on with that label (the latest, when it was relabelled);</item>
/// <item>a label at or after To is ignored: a model trained at To could not have known it;</item>
/// <item>a transaction without a label by To, older than the label delay, is genuine: its chargeback window has passed;</item>
/// <item>a more recent one without a label is left out of training (its label could still come: calling it genuine would
/// teach the model that recent fraud is genuine, and the newest rows are the test split), but it still enters its card's
/// history, as it did in the stream, so the rows after it get the features the scorer gave them.</item>
/// </list>
/// With a warm-up, the transactions of that long before the window (and their labels known before To) enter history only, as
/// they had in the stream: the window's first rows then get the card and label history the scorer gave them, not the empty
/// history of a replay that starts at From (which would teach the model, and its drift reference, a cold start that a running
/// scorer never sees).
/// Transactions and labels may be added in any order; only what the window can use is held.
/// </summary>
public sealed class LabelJoin
{
    /// <summary>The scenario of a row labelled fraud on the stream.</summary>
    public const string FraudScenario = "fraud";

    /// <summary>The scenario of a row labelled genuine on the stream.</summary>
    public const string GenuineScenario = "genuine";

    /// <summary>The scenario of a row taken as genuine because no label came within the label delay.</summary>
    public const string UnlabelledScenario = "unlabelled";

    private readonly TimeRange _window;
    private readonly TimeSpan _labelDelay;
    private readonly DateTimeOffset _warmUpFrom;
    private readonly Dictionary<string, Transaction> _transactions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Transaction> _warmUp = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FraudLabel> _labels = new(StringComparer.Ordinal);
    private int _outside;
    private int _duplicates;
    private int _afterEnd;

    /// <summary>
    /// A join for <paramref name="window"/> ([From, To)); a transaction without a label is genuine once <paramref name="labelDelay"/>
    /// old at To; the transactions of <paramref name="warmUp"/> before From feed history only.
    /// </summary>
    public LabelJoin(TimeRange window, TimeSpan labelDelay, TimeSpan warmUp = default)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (window.To <= window.From)
        {
            throw new ArgumentException("The window must end after it starts.", nameof(window));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(labelDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(warmUp, TimeSpan.Zero);
        (_window, _labelDelay, _warmUpFrom) = (window, labelDelay, window.From - warmUp);
    }

    /// <summary>Takes a transaction read from the stream; one outside the window, or whose id came before, is only counted.</summary>
    public void Add(Transaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (transaction.EventTime < _window.From && transaction.EventTime >= _warmUpFrom)
        {
            _warmUp.TryAdd(transaction.TransactionId, transaction);
        }
        else if (transaction.EventTime < _window.From || transaction.EventTime >= _window.To)
        {
            _outside++;
        }
        else if (!_transactions.TryAdd(transaction.TransactionId, transaction))
        {
            _duplicates++;
        }
    }

    /// <summary>Takes a label read from the stream; one known at or after the window's end is only counted.</summary>
    public void Add(FraudLabel label)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (label.LabelTime >= _window.To)
        {
            _afterEnd++;
        }
        else if (!_labels.TryGetValue(label.TransactionId, out var earlier) || label.LabelTime >= earlier.LabelTime)
        {
            _labels[label.TransactionId] = label;
        }
    }

    /// <summary>
    /// The training data of the window. A row taken as genuine without a label gets the window's end as its label time:
    /// known no earlier than that, so the history replay never uses it for a transaction in the window.
    /// </summary>
    public JoinedLabels Complete()
    {
        var rows = new List<LabelledTransaction>(_transactions.Count);
        var unlabelled = new List<Transaction>();
        int fraud = 0, genuine = 0, genuineWithoutLabel = 0;
        foreach (var t in _transactions.Values.OrderBy(t => t.EventTime).ThenBy(t => t.TransactionId, StringComparer.Ordinal))
        {
            if (_labels.TryGetValue(t.TransactionId, out var label))
            {
                rows.Add(new LabelledTransaction(t, label.IsFraud, label.IsFraud ? FraudScenario : GenuineScenario, label.LabelTime));
                if (label.IsFraud)
                {
                    fraud++;
                }
                else
                {
                    genuine++;
                }
            }
            else if (t.EventTime + _labelDelay <= _window.To)
            {
                rows.Add(new LabelledTransaction(t, false, UnlabelledScenario, _window.To));
                genuineWithoutLabel++;
            }
            else
            {
                unlabelled.Add(t);
            }
        }

        var awaiting = unlabelled.Count;
        var warmUp = new List<LabelledTransaction>();
        foreach (var t in _warmUp.Values.OrderBy(t => t.EventTime).ThenBy(t => t.TransactionId, StringComparer.Ordinal))
        {
            if (_labels.TryGetValue(t.TransactionId, out var label))
            {
                warmUp.Add(new LabelledTransaction(t, label.IsFraud, label.IsFraud ? FraudScenario : GenuineScenario, label.LabelTime));
            }
            else
            {
                unlabelled.Add(t);
            }
        }

        var withoutTransaction = _labels.Keys.Count(id => !_transactions.ContainsKey(id) && !_warmUp.ContainsKey(id));
        return new JoinedLabels(rows, unlabelled, new LabelJoinCounts(
            _transactions.Count, fraud, genuine, genuineWithoutLabel, awaiting, _outside, _duplicates, _afterEnd, withoutTransaction, _warmUp.Count))
        {
            WarmUp = warmUp,
        };
    }

    /// <summary>The metadata's description of how labels were known, for data joined from <paramref name="labelsTopic"/>.</summary>
    public string Describe(string labelsTopic, LabelJoinCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var c = CultureInfo.InvariantCulture;
        return string.Create(c,
            $"labels from kafka:{labelsTopic} known before {LabelledTransactionCsv.FormatTime(_window.To)}; a transaction without one is genuine once "
            + $"{_labelDelay.ToString("c", c)} old ({counts.GenuineWithoutLabel} rows), the more recent ones only feed history ({counts.AwaitingLabel} transactions); "
            + $"history warmed up from {LabelledTransactionCsv.FormatTime(_warmUpFrom)} ({counts.WarmUp} transactions before the window)");
    }
}
