using FraudStream.Core.Transactions;

namespace FraudStream.Training.Data;

/// <summary>
/// Labelled data split by event time: the model trains on the past, chooses its threshold on the
/// period after it and is judged on the latest period, as it will be used. No transaction of a later
/// split is older than one of an earlier split, so nothing leaks from the future.
/// </summary>
public sealed record TimeSplit(
    IReadOnlyList<LabelledTransaction> Train,
    IReadOnlyList<LabelledTransaction> Validation,
    IReadOnlyList<LabelledTransaction> Test)
{
    /// <summary>Splits by event time into the given shares (the test share is the rest).</summary>
    /// <exception cref="ArgumentException">A share is out of range, or a split would hold no fraud.</exception>
    public static TimeSplit ByEventTime(IEnumerable<LabelledTransaction> rows, double trainShare = 0.7, double validationShare = 0.15)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (trainShare <= 0 || validationShare <= 0 || trainShare + validationShare >= 1)
        {
            throw new ArgumentException("The train and validation shares must be positive and leave a share for the test split.");
        }

        var ordered = rows.OrderBy(r => r.Transaction.EventTime).ToList();
        var trainEnd = Boundary(ordered, (int)(ordered.Count * trainShare));
        var validationEnd = Boundary(ordered, (int)(ordered.Count * (trainShare + validationShare)));
        var split = new TimeSplit(
            ordered[..trainEnd],
            ordered[trainEnd..validationEnd],
            ordered[validationEnd..]);

        foreach (var (name, part) in new[] { ("training", split.Train), ("validation", split.Validation), ("test", split.Test) })
        {
            if (!part.Any(r => r.IsFraud) || part.All(r => r.IsFraud))
            {
                throw new ArgumentException(
                    $"The {name} split ({part.Count} rows) needs both fraud and genuine transactions: supply more labelled data.");
            }
        }

        return split;
    }

    /// <summary>Moves a cut forward past transactions with the same event time, so they stay in one split.</summary>
    private static int Boundary(List<LabelledTransaction> ordered, int cut)
    {
        while (cut > 0 && cut < ordered.Count && ordered[cut].Transaction.EventTime == ordered[cut - 1].Transaction.EventTime)
        {
            cut++;
        }

        return cut;
    }
}
