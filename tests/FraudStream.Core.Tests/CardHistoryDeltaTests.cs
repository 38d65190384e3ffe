using FraudStream.Core.Features.History;
using FraudStream.Core.Transactions;
using FraudStream.Testing;

namespace FraudStream.Core.Tests;

/// <summary>The delta changelog layout (<see cref="ChangelogLayout.Delta"/>): what it writes, and that a restore gives back every history exactly.</summary>
public sealed class CardHistoryDeltaTests
{
    private static readonly DateTimeOffset s_start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static Transaction Tx(int i, string card, TimeSpan at, double amount) =>
        new($"t{i}", card, s_start + at, amount, "EUR", $"M-{i % 7}", "5411", Channel.Pos, CardPresent: true, TerminalId: $"T-{i % 5}",
            MerchantLatitude: i % 3 == 0 ? null : 40 + (i % 11 / 10.0), MerchantLongitude: 2.5);

    /// <summary>Scores and remembers <paramref name="t"/> as the scorer does.</summary>
    private static void Observe(CardHistoryStore cards, Transaction t) =>
        HistoryFeatures.Observe(cards, new LabelHistory(cards.Settings), t, new float[HistoryFeatures.Count]);

    [Test]
    public void A_card_writes_its_whole_history_then_a_delta_in_each_slot_in_turn()
    {
        var cards = new CardHistoryStore(HistorySettings.Default) { TracksChanges = true, Layout = ChangelogLayout.Delta };
        var records = new List<CardChange>();
        for (var i = 0; i < 2 * (CardHistory.DeltasPerWhole + 1); i++)
        {
            Observe(cards, Tx(i, "C-1", TimeSpan.FromHours(i), 10 + i));
            records.AddRange(cards.TakeChanged());
        }

        int?[] cycle = [null, .. Enumerable.Range(0, CardHistory.DeltasPerWhole).Select(s => (int?)s)];
        Assert.Multiple(() =>
        {
            Assert.That(records.Select(r => r.Slot), Is.EqualTo(cycle.Concat(cycle)), "whole, slots 0 to 3, whole, ...");
            Assert.That(records.Where(r => r.Slot is not null).Select(r => r.Value!.Length).Distinct(), Has.All.LessThan(45), "a delta holds one transaction");
            Assert.That(records[^(CardHistory.DeltasPerWhole + 1)].Value!.Length, Is.GreaterThan((CardHistory.DeltasPerWhole + 2) * 24), "the second whole record holds them all");
        });
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Late_transactions_equal_times_and_a_short_history_restore_exactly_from_the_log_and_from_its_compaction(int seed)
    {
        // Arrange: 8 cards, histories of at most 6 transactions and a lateness of 2 days, so transactions arrive out of
        // order, tie on time (half of them on the hour) within a batch, and are forgotten by count and by age (a 20-day
        // gap) within the same batch.
        var settings = new HistorySettings { Lateness = TimeSpan.FromDays(2), MaxEventsPerCard = 6 };
        var cards = new CardHistoryStore(settings) { TracksChanges = true, Layout = ChangelogLayout.Delta };
        var random = new Random(seed);
        var changelog = new List<CardChange>();
        var clock = TimeSpan.Zero;
        var mismatches = new List<string>();
        for (var i = 0; i < 6_000; i++)
        {
            clock += random.Next(50) == 0 ? TimeSpan.FromDays(20) : TimeSpan.FromMinutes(random.Next(0, 90));
            var at = random.Next(4) == 0 ? clock - TimeSpan.FromHours(random.Next(0, 60)) : clock;
            at = random.Next(2) == 0 ? TimeSpan.FromHours(Math.Floor(at.TotalHours)) : at;
            var card = $"C-{random.Next(8)}";
            Observe(cards, Tx(i, card, at, random.Next(1, 5) * 10.0));
            if (random.Next(7) == 0)
            {
                changelog.AddRange(cards.TakeChanged());
            }

            // Act: every 500 transactions, restore from the log as it stands and from what compaction keeps of it.
            if (i % 500 == 499)
            {
                changelog.AddRange(cards.TakeChanged());
                foreach (var (name, log) in new[] { ("log", changelog), ("compacted", CardChangelog.Compact(changelog)) })
                {
                    var restored = CardChangelog.Restore(settings, log);
                    mismatches.AddRange(Enumerable.Range(0, 8).Select(c => $"C-{c}")
                        .Where(c => !CardChangelog.Whole(cards.Find(c)!).AsSpan().SequenceEqual(CardChangelog.Whole(restored.Find(c)!)))
                        .Select(c => $"{c} at {i} from the {name}"));
                }
            }
        }

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(mismatches, Is.Empty);
            Assert.That(cards.TooLate, Is.GreaterThan(10), "some transactions came too late to be remembered");
            Assert.That(changelog.Count(c => c.Slot is not null), Is.GreaterThan(changelog.Count / 2), "mostly deltas");
        });
    }

    [Test]
    public void A_changelog_written_in_turn_by_every_layout_restores_each_card_exactly()
    {
        // Arrange: five instances one after another, each restored from the changelog the ones before wrote and
        // continuing the stream in its own layout (as a scorer restarted with another Scorer:HistoryChangelog).
        var settings = HistorySettings.Default;
        var random = new Random(11);
        var changelog = new List<CardChange>();
        CardHistoryStore? live = null;
        var i = 0;
        foreach (var layout in new[] { ChangelogLayout.Whole, ChangelogLayout.Delta, ChangelogLayout.Daily, ChangelogLayout.Delta, ChangelogLayout.Whole, ChangelogLayout.Delta })
        {
            live = CardChangelog.Restore(settings, changelog, layout);
            for (var end = i + 1_500; i < end; i++)
            {
                var card = $"C-{random.Next(30)}";
                Observe(live, Tx(i, card, TimeSpan.FromMinutes(i * 41), random.Next(1, 50)));
                if (random.Next(4) == 0)
                {
                    changelog.AddRange(live.TakeChanged());
                }
            }

            changelog.AddRange(live.TakeChanged());
        }

        // Act
        var restored = CardChangelog.Restore(settings, changelog);
        var compacted = CardChangelog.Restore(settings, CardChangelog.Compact(changelog));
        var compactedWithTombstones = CardChangelog.Restore(settings, CardChangelog.Compact(changelog, keepTombstones: true));

        // Assert
        var cards = Enumerable.Range(0, 30).Select(c => $"C-{c}").ToList();
        Assert.Multiple(() =>
        {
            foreach (var (name, store) in new[] { ("log", restored), ("compacted", compacted), ("compacted with tombstones", compactedWithTombstones) })
            {
                Assert.That(cards.Where(c => !CardChangelog.Whole(live!.Find(c)!).AsSpan().SequenceEqual(CardChangelog.Whole(store.Find(c)!))), Is.Empty, name);
            }
        });
    }

    [Test]
    public void A_delta_whose_card_is_gone_is_skipped_and_one_that_cannot_be_read_is_refused()
    {
        var store = new CardHistoryStore(HistorySettings.Default);
        store.Restore(new CardChange("C-9", null, [9, 9], Slot: 0));
        store.Restore(new CardChange("C-1", null, CardChangelog.Whole(OneTransaction())));

        Assert.Multiple(() =>
        {
            Assert.That(store.Find("C-9"), Is.Null, "its whole record was replaced or deleted since");
            Assert.That(() => store.Restore(new CardChange("C-1", null, [9, 9], Slot: 0)), Throws.TypeOf<FormatException>());
            Assert.That(() => store.Restore(new CardChange("C-1", null, null, Slot: 0)), Throws.TypeOf<FormatException>());
        });
    }

    private static CardHistory OneTransaction()
    {
        var history = new CardHistory();
        history.Remember(Tx(0, "C-1", TimeSpan.Zero, 10), HistorySettings.Default);
        return history;
    }
}
