using System.Globalization;

namespace FraudStream.Core.Transactions;

/// <summary>
/// The one reading of a transaction's event time from text, for training data and /predict alike: ISO 8601 date and
/// time (UTC when no offset is given) within a plausible range. A lenient parser took "2026/03/14 9:30" or year 1, which
/// scores as fraud because its hour and day features are out of every training distribution.
/// </summary>
public static class EventTime
{
    /// <summary>The earliest event time accepted.</summary>
    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The first event time no longer accepted.</summary>
    public static readonly DateTimeOffset End = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>What a valid event time looks like, to follow "must" in messages.</summary>
    public const string Rule = "be an ISO 8601 date and time from the years 2000 to 2099, e.g. 2026-03-14T09:30:00Z";

    private static readonly string[] s_formats = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK"];

    /// <summary>Reads <paramref name="text"/> as an event time; false when it is not one (<see cref="Rule"/>).</summary>
    public static bool TryParse(string? text, out DateTimeOffset time)
    {
        if (!DateTimeOffset.TryParseExact(
                text, s_formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time)
            || time < Earliest
            || time >= End)
        {
            time = default;
            return false;
        }

        return true;
    }
}
