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
        if (TryParseUtc(text, out time))
        {
            return true;
        }

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

    /// <summary>
    /// The common shape alone, read digit by digit: "yyyy-MM-ddTHH:mm:ssZ" or with 1 to 7 fraction digits before the Z,
    /// in the accepted years. False for anything else, which <see cref="TryParse"/> then reads with the general formats:
    /// where this accepts, the answer is theirs (tested), at a fraction of their cost on /predict's path.
    /// </summary>
    internal static bool TryParseUtc(ReadOnlySpan<char> text, out DateTimeOffset time)
    {
        time = default;
        if (text.Length is < 20 or > 28 || text[^1] != 'Z' || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':'
            || !TryDigits(text[..4], out var year) || !TryDigits(text.Slice(5, 2), out var month) || !TryDigits(text.Slice(8, 2), out var day)
            || !TryDigits(text.Slice(11, 2), out var hour) || !TryDigits(text.Slice(14, 2), out var minute) || !TryDigits(text.Slice(17, 2), out var second))
        {
            return false;
        }

        long fractionTicks = 0;
        if (text.Length > 20)
        {
            var fraction = text[20..^1];
            if (text[19] != '.' || fraction.Length == 0 || !TryDigits(fraction, out var digits))
            {
                return false;
            }

            fractionTicks = digits;
            for (var scale = fraction.Length; scale < 7; scale++)
            {
                fractionTicks *= 10;
            }
        }

        if (year is < 2000 or > 2099 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        time = new DateTimeOffset(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(fractionTicks), TimeSpan.Zero);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
