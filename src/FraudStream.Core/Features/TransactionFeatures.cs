using System.Globalization;
using FraudStream.Core.Transactions;

namespace FraudStream.Core.Features;

/// <summary>The features computed from a transaction alone (pipeline <c>tx-v1</c>).</summary>
internal static class TransactionFeatures
{
    /// <summary>Column names, in the order <see cref="Compute"/> writes them.</summary>
    public static readonly string[] Names =
    [
        "amount",
        "log_amount",
        "amount_is_whole",
        "hour_of_day",
        "day_of_week",
        "is_night",
        "is_weekend",
        "channel_pos",
        "channel_ecommerce",
        "channel_atm",
        "channel_contactless",
        "card_present",
        "merchant_category",
        "merchant_category_high_risk",
        "has_terminal",
        "distance_from_home_km",
    ];

    /// <summary>Number of features.</summary>
    public static int Count => Names.Length;

    /// <summary>The features that say only when a transaction happened (from its event time alone).</summary>
    public static readonly string[] Calendar = ["hour_of_day", "day_of_week", "is_night", "is_weekend"];

    // MCCs that card fraud concentrates on: electronics, jewellery, gift cards, digital goods,
    // money transfer, gambling. The MCC is a stable code, so it is also a feature by itself.
    private static readonly int[] s_highRiskCategories = [4829, 5732, 5815, 5816, 5817, 5818, 5944, 5947, 6051, 7995];

    /// <summary>Index of a feature name, or -1.</summary>
    public static int IndexOf(string name) => Array.IndexOf(Names, name);

    /// <summary>Writes all <see cref="Count"/> features of <paramref name="t"/> into <paramref name="row"/>.</summary>
    public static void Compute(Transaction t, Span<float> row)
    {
        var time = t.EventTime.UtcDateTime;
        var hour = time.Hour;
        var mcc = int.TryParse(t.MerchantCategory, NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : -1;

        row[0] = (float)t.Amount;
        row[1] = (float)Math.Log(1 + Math.Max(t.Amount, 0));
        row[2] = t.Amount == Math.Floor(t.Amount) ? 1 : 0;
        row[3] = hour;
        row[4] = ((int)time.DayOfWeek + 6) % 7; // Monday = 0
        row[5] = hour < 6 ? 1 : 0;
        row[6] = time.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 1 : 0;
        row[7] = t.Channel == Channel.Pos ? 1 : 0;
        row[8] = t.Channel == Channel.Ecommerce ? 1 : 0;
        row[9] = t.Channel == Channel.Atm ? 1 : 0;
        row[10] = t.Channel == Channel.Contactless ? 1 : 0;
        row[11] = t.CardPresent switch { true => 1, false => 0, null => float.NaN };
        row[12] = mcc >= 0 ? mcc : float.NaN;
        row[13] = mcc >= 0 ? (Array.IndexOf(s_highRiskCategories, mcc) >= 0 ? 1 : 0) : float.NaN;
        row[14] = string.IsNullOrEmpty(t.TerminalId) ? 0 : 1;
        row[15] = DistanceKm(t);
    }

    private static float DistanceKm(Transaction t)
    {
        if (t is not { CardholderLatitude: { } lat1, CardholderLongitude: { } lon1, MerchantLatitude: { } lat2, MerchantLongitude: { } lon2 })
        {
            return float.NaN;
        }

        return (float)Geo.DistanceKm(lat1, lon1, lat2, lon2);
    }
}
