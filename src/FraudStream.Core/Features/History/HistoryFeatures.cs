using System.Globalization;
using FraudStream.Core.Transactions;

namespace FraudStream.Core.Features.History;

/// <summary>
/// The features that need history (pipeline <c>tx-v2</c>): the card's own recent transactions
/// (<see cref="CardHistory"/>), then its terminal's and merchant's labels (<see cref="LabelHistory"/>).
/// </summary>
public static class HistoryFeatures
{
    /// <summary>Column names, in the order <see cref="Observe"/> writes them.</summary>
    public static IReadOnlyList<string> Names { get; } = BuildNames();

    /// <summary>Number of history features.</summary>
    public static int Count => Names.Count;

    /// <summary>
    /// Writes the history features of <paramref name="t"/> into <paramref name="row"/>, then remembers it in its card's
    /// history: the one step the trainer's replay and the scorer both take for every transaction.
    /// </summary>
    /// <returns>Whether the card's history remembered the transaction (false when it came later than the lateness bound).</returns>
    public static bool Observe(CardHistoryStore cards, LabelHistory labels, Transaction t, Span<float> row)
    {
        ArgumentNullException.ThrowIfNull(cards);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(t);
        var card = cards.Find(t.CardId);
        CardHistory.Compute(card, t, row);
        labels.Compute(t, row[CardHistory.FeatureCount..]);
        return cards.Remember(card, t);
    }

    private static string[] BuildNames()
    {
        var names = new List<string>();
        foreach (var window in HistorySettings.CardWindows)
        {
            var w = WindowName(window);
            names.AddRange([$"card_count_{w}", $"card_amount_sum_{w}", $"card_amount_mean_{w}"]);
        }

        names.AddRange([
            "card_amount_to_mean_30d", "card_seconds_since_previous", "card_distinct_merchants_1d", "card_distinct_terminals_1d",
            "card_first_time_merchant", "card_km_from_previous", "card_kmh_from_previous",
        ]);
        foreach (var entity in new[] { "terminal", "merchant" })
        {
            foreach (var measure in new[] { "labelled", "frauds", "fraud_share", "reported", "reported_fraud_share" })
            {
                names.AddRange(HistorySettings.EntityWindows.Select(window => $"{entity}_{measure}_{WindowName(window)}"));
            }
        }

        return [.. names];
    }

    private static string WindowName(TimeSpan window) =>
        window.TotalDays >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{window.TotalDays:0}d")
            : string.Create(CultureInfo.InvariantCulture, $"{window.TotalHours:0}h");
}
