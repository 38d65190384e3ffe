using FraudStream.Core.Transactions;

namespace FraudStream.Bench.Independent;

/// <summary>
/// The baseline the issue compares with: the hand-made features the Fraud Detection Handbook describes, computed from the
/// CSV's raw fields (card, terminal, time, amount, label). Per row: amount, weekend, night; the card's transaction count
/// and mean amount over the last 1/7/30 days (the window ends at the transaction and includes it, as the handbook's
/// rolling windows do); the terminal's transaction count and fraud share over 1/7/30-day windows ending
/// <see cref="Delay"/> before the transaction (labels are taken as known a week after the event).
/// </summary>
internal static class HandMadeFeatures
{
    public static readonly TimeSpan Delay = TimeSpan.FromDays(7);

    private static readonly int[] s_windowDays = [1, 7, 30];

    public static IReadOnlyList<string> Names { get; } =
    [
        "amount", "is_weekend", "is_night",
        "card_count_1d", "card_mean_amount_1d", "card_count_7d", "card_mean_amount_7d", "card_count_30d", "card_mean_amount_30d",
        "terminal_count_1d_delayed", "terminal_risk_1d_delayed", "terminal_count_7d_delayed", "terminal_risk_7d_delayed",
        "terminal_count_30d_delayed", "terminal_risk_30d_delayed",
    ];

    /// <summary>Row-major features of <paramref name="ordered"/> (sorted by event time), <see cref="Names"/> per row.</summary>
    /// <param name="ordered">The rows.</param>
    /// <param name="terminalWindowsEndAtTransaction">
    /// An ablation: terminal windows (t - w, t - delay] instead of (t - delay - w, t - delay], i.e. windows of event time ending
    /// at the transaction that count only labels known by then, as the product's tx-v2 terminal features do. With a 7-day
    /// delay the 1- and 7-day windows are then always empty and the 30-day one covers 23 days.
    /// </param>
    public static float[] Compute(IReadOnlyList<LabelledTransaction> ordered, bool terminalWindowsEndAtTransaction = false)
    {
        var width = Names.Count;
        var features = new float[ordered.Count * width];
        for (var i = 0; i < ordered.Count; i++)
        {
            var t = ordered[i].Transaction;
            var time = t.EventTime.UtcDateTime;
            var row = features.AsSpan(i * width, width);
            row[0] = (float)t.Amount;
            row[1] = time.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 1 : 0;
            row[2] = time.Hour <= 6 ? 1 : 0; // the handbook's night: up to 6 am
        }

        foreach (var rows in GroupBy(ordered, t => t.CardId))
        {
            CardWindows(ordered, rows, features, width);
        }

        foreach (var rows in GroupBy(ordered, t => t.TerminalId ?? t.MerchantId))
        {
            TerminalWindows(ordered, rows, features, width, terminalWindowsEndAtTransaction);
        }

        return features;
    }

    /// <summary>Row indexes per key, each list in time order.</summary>
    private static IEnumerable<List<int>> GroupBy(IReadOnlyList<LabelledTransaction> ordered, Func<Transaction, string> key)
    {
        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < ordered.Count; i++)
        {
            var k = key(ordered[i].Transaction);
            if (!groups.TryGetValue(k, out var list))
            {
                list = [];
                groups[k] = list;
            }

            list.Add(i);
        }

        return groups.Values;
    }

    private static void CardWindows(IReadOnlyList<LabelledTransaction> ordered, List<int> rows, float[] features, int width)
    {
        var times = rows.Select(i => ordered[i].Transaction.EventTime.ToUnixTimeMilliseconds()).ToArray();
        var sums = new double[rows.Count + 1];
        for (var k = 0; k < rows.Count; k++)
        {
            sums[k + 1] = sums[k] + ordered[rows[k]].Transaction.Amount;
        }

        for (var w = 0; w < s_windowDays.Length; w++)
        {
            var span = (long)TimeSpan.FromDays(s_windowDays[w]).TotalMilliseconds;
            var start = 0;
            for (var k = 0; k < rows.Count; k++)
            {
                // Window (t - w, t], this transaction and those before it in the file at the same time included.
                while (times[start] <= times[k] - span)
                {
                    start++;
                }

                var count = k + 1 - start;
                features[(rows[k] * width) + 3 + (2 * w)] = count;
                features[(rows[k] * width) + 4 + (2 * w)] = (float)((sums[k + 1] - sums[start]) / count);
            }
        }
    }

    private static void TerminalWindows(IReadOnlyList<LabelledTransaction> ordered, List<int> rows, float[] features, int width, bool endAtTransaction)
    {
        var times = rows.Select(i => ordered[i].Transaction.EventTime.ToUnixTimeMilliseconds()).ToArray();
        var frauds = new int[rows.Count + 1];
        for (var k = 0; k < rows.Count; k++)
        {
            frauds[k + 1] = frauds[k] + (ordered[rows[k]].IsFraud ? 1 : 0);
        }

        var delay = (long)Delay.TotalMilliseconds;
        for (var w = 0; w < s_windowDays.Length; w++)
        {
            var span = (long)TimeSpan.FromDays(s_windowDays[w]).TotalMilliseconds;
            for (var k = 0; k < rows.Count; k++)
            {
                // Window (t - delay - w, t - delay]: transactions whose labels are known by t.
                var end = UpperBound(times, times[k] - delay);
                var start = Math.Min(end, UpperBound(times, times[k] - (endAtTransaction ? 0 : delay) - span));
                var count = end - start;
                features[(rows[k] * width) + 9 + (2 * w)] = count;
                features[(rows[k] * width) + 10 + (2 * w)] = count == 0 ? 0 : (frauds[end] - frauds[start]) / (float)count;
            }
        }
    }

    /// <summary>Index of the first time greater than <paramref name="value"/>.</summary>
    private static int UpperBound(long[] times, long value)
    {
        int low = 0, high = times.Length;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (times[mid] <= value)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
