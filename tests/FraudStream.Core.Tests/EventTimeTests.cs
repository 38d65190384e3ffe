using System.Globalization;
using FraudStream.Core.Transactions;

namespace FraudStream.Core.Tests;

/// <summary>EventTime's digit-by-digit reading of the common shape gives what the general ISO 8601 formats give.</summary>
public sealed class EventTimeTests
{
    // The general reading, as EventTime had it before the fast path: the oracle every answer is compared with.
    private static readonly string[] s_formats = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK"];

    private static bool General(string text, out DateTimeOffset time)
    {
        if (!DateTimeOffset.TryParseExact(text, s_formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time)
            || time < EventTime.Earliest || time >= EventTime.End)
        {
            time = default;
            return false;
        }

        return true;
    }

    private static IEnumerable<string> Texts()
    {
        string[] fixedOnes =
        [
            "2026-03-14T09:30:00Z", "2026-03-14T09:30:00.1Z", "2026-03-14T09:30:00.123Z", "2026-03-14T09:30:00.1234567Z", "2026-03-14T09:30:00.0000001Z",
            "2026-03-14T09:30:00.12345678Z", "2026-03-14T09:30:00.Z", "2026-03-14T09:30:00,5Z", "2026-03-14T09:30Z", "2026-03-14T09:30:00+02:00",
            "2026-03-14T09:30:00", "2026-03-14 09:30:00Z", "2026-3-14T09:30:00Z", "2026-03-14T24:00:00Z", "2026-03-14T23:60:00Z", "2026-03-14T23:59:60Z",
            "2026-02-29T00:00:00Z", "2024-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-01-00T00:00:00Z",
            "1999-12-31T23:59:59.9999999Z", "2000-01-01T00:00:00Z", "2099-12-31T23:59:59.9999999Z", "2100-01-01T00:00:00Z", "0001-01-01T00:00:00Z",
            "2026-03-14T09:30:00z", "2026-03-14t09:30:00Z", "２026-03-14T09:30:00Z", "2026-03-14T09:30:0aZ", "-026-03-14T09:30:00Z", "", " 2026-03-14T09:30:00Z",
        ];
        foreach (var text in fixedOnes)
        {
            yield return text;
        }

        var random = new Random(12);
        for (var i = 0; i < 20_000; i++)
        {
            var at = new DateTime(1995, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks((long)(random.NextDouble() * TimeSpan.FromDays(365.25 * 110).Ticks));
            var digits = random.Next(0, 8);
            yield return at.ToString(digits == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : $"yyyy-MM-dd'T'HH:mm:ss.{new string('f', digits)}'Z'", CultureInfo.InvariantCulture);
        }
    }

    [Test]
    public void Every_text_reads_as_the_general_formats_read_it()
    {
        foreach (var text in Texts())
        {
            var expected = General(text, out var expectedTime);
            var actual = EventTime.TryParse(text, out var actualTime);
            Assert.That((actual, actualTime, actualTime.Offset), Is.EqualTo((expected, expectedTime, expectedTime.Offset)), text);
        }
    }

    [Test]
    public void Fractions_keep_every_digit()
    {
        Assert.That(EventTime.TryParse("2026-03-14T09:30:00.1234567Z", out var time), Is.True);
        Assert.That(time.UtcTicks % TimeSpan.TicksPerSecond, Is.EqualTo(1_234_567));
    }
}
