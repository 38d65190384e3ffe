using FraudStream.Core.Features;
using FraudStream.Core.Features.History;
using FraudStream.Core.Models;
using FraudStream.Core.Transactions;
using FraudStream.Testing;

namespace FraudStream.Core.Tests;

public sealed class HistoryFeaturesTests
{
    private static readonly DateTimeOffset s_start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static Transaction Tx(string id, TimeSpan after, double amount, string merchant = "M-1", string? terminal = "T-1", double? lat = null, double? lon = null) =>
        new(id, "C-1", s_start + after, amount, "EUR", merchant, "5411", Channel.Pos, CardPresent: true, TerminalId: terminal,
            MerchantLatitude: lat, MerchantLongitude: lon);

    private static Dictionary<string, float> Observe(CardHistoryStore cards, LabelHistory labels, Transaction t)
    {
        var row = new float[HistoryFeatures.Count];
        HistoryFeatures.Observe(cards, labels, t, row);
        return HistoryFeatures.Names.Zip(row).ToDictionary(x => x.First, x => x.Second);
    }

    [Test]
    public void A_card_without_history_has_missing_features_not_zeros()
    {
        var f = Observe(new CardHistoryStore(HistorySettings.Default), new LabelHistory(HistorySettings.Default), Tx("a", TimeSpan.Zero, 10));

        Assert.That(f.Values, Is.All.NaN, "no history is missing history (NaN), which XGBoost treats as missing");
    }

    [Test]
    public void Card_windows_count_only_earlier_transactions_within_each_window()
    {
        var cards = new CardHistoryStore(HistorySettings.Default);
        var labels = new LabelHistory(HistorySettings.Default);
        Observe(cards, labels, Tx("a", TimeSpan.Zero, 100, merchant: "M-1", lat: 52.37, lon: 4.90));
        Observe(cards, labels, Tx("b", TimeSpan.FromDays(6), 50, merchant: "M-2"));
        Observe(cards, labels, Tx("c", TimeSpan.FromDays(6.99), 30, merchant: "M-2"));

        var f = Observe(cards, labels, Tx("d", TimeSpan.FromDays(7) + TimeSpan.FromMinutes(30), 160, merchant: "M-3", lat: 48.86, lon: 2.35));

        Assert.Multiple(() =>
        {
            Assert.That(f["card_count_1h"], Is.EqualTo(1), "c was 0.01 d + 30 min = 44.4 min earlier");
            Assert.That(f["card_count_1d"], Is.EqualTo(1), "b was 1 d 30 min earlier");
            Assert.That(f["card_amount_sum_1d"], Is.EqualTo(30));
            Assert.That(f["card_amount_mean_1d"], Is.EqualTo(30));
            Assert.That(f["card_amount_sum_7d"], Is.EqualTo(80));
            Assert.That(f["card_count_7d"], Is.EqualTo(2), "a is 7 d 30 min earlier: outside 7 d");
            Assert.That(f["card_count_30d"], Is.EqualTo(3));
            Assert.That(f["card_amount_mean_30d"], Is.EqualTo(60));
            Assert.That(f["card_amount_to_mean_30d"], Is.EqualTo(160f / 60f).Within(1e-6));
            Assert.That(f["card_seconds_since_previous"], Is.EqualTo((float)(TimeSpan.FromDays(0.01) + TimeSpan.FromMinutes(30)).TotalSeconds).Within(0.5));
            Assert.That(f["card_distinct_merchants_1d"], Is.EqualTo(1));
            Assert.That(f["card_first_time_merchant"], Is.EqualTo(1));
            Assert.That(f["card_km_from_previous"], Is.EqualTo(430).Within(5), "from the last located transaction (a, Amsterdam) to Paris");
            Assert.That(f["card_kmh_from_previous"], Is.EqualTo(430 / (7 * 24 + 0.5)).Within(0.1));
        });
    }

    [Test]
    public void Out_of_order_within_the_lateness_bound_enters_history_as_if_in_order()
    {
        var settings = HistorySettings.Default; // lateness 1 h
        var inOrder = new CardHistoryStore(settings);
        var outOfOrder = new CardHistoryStore(settings);
        var labels = new LabelHistory(settings);
        var a = Tx("a", TimeSpan.Zero, 10);
        var b = Tx("b", TimeSpan.FromMinutes(20), 20);
        var c = Tx("c", TimeSpan.FromMinutes(40), 40);
        var d = Tx("d", TimeSpan.FromMinutes(50), 80);
        foreach (var t in new[] { a, b, c })
        {
            Observe(inOrder, labels, t);
        }

        foreach (var t in new[] { a, c, b })
        {
            Observe(outOfOrder, labels, t);
        }

        Assert.That(Observe(outOfOrder, labels, d), Is.EqualTo(Observe(inOrder, labels, d)));
    }

    [Test]
    public void A_transaction_later_than_the_lateness_bound_is_scored_but_not_remembered()
    {
        var cards = new CardHistoryStore(HistorySettings.Default with { Lateness = TimeSpan.FromMinutes(10) });
        var labels = new LabelHistory(HistorySettings.Default);
        Observe(cards, labels, Tx("a", TimeSpan.FromHours(2), 10));

        var late = Observe(cards, labels, Tx("late", TimeSpan.Zero, 999));
        var after = Observe(cards, labels, Tx("b", TimeSpan.FromHours(2.5), 10));

        Assert.Multiple(() =>
        {
            Assert.That(late["card_count_30d"], Is.Zero, "scored with what it found: nothing before it");
            Assert.That(cards.TooLate, Is.EqualTo(1));
            Assert.That(after["card_count_30d"], Is.EqualTo(1), "the late transaction did not enter history");
        });
    }

    [Test]
    public void A_label_counts_only_from_its_label_time_on()
    {
        var labels = new LabelHistory(HistorySettings.Default);
        var cards = new CardHistoryStore(HistorySettings.Default);
        var fraudAt = s_start;
        labels.Add(new FraudLabel("x", "C-9", "M-1", "T-1", IsFraud: true, fraudAt, LabelTime: fraudAt + TimeSpan.FromDays(3)));

        var before = Observe(cards, labels, Tx("a", TimeSpan.FromDays(2), 10));
        var after = Observe(cards, labels, Tx("b", TimeSpan.FromDays(4), 10));

        Assert.Multiple(() =>
        {
            Assert.That(before["terminal_frauds_7d"], Is.NaN, "the chargeback was not known yet: nothing is known about the terminal");
            Assert.That(before["merchant_labelled_7d"], Is.NaN);
            Assert.That(after["terminal_frauds_7d"], Is.EqualTo(1));
            Assert.That(after["terminal_frauds_1d"], Is.Zero, "the fraud happened 4 days before");
            Assert.That(after["terminal_fraud_share_7d"], Is.EqualTo(1));
            Assert.That(after["merchant_frauds_30d"], Is.EqualTo(1));
            Assert.That(after["terminal_fraud_share_1d"], Is.NaN, "no labelled transaction in the last day: share unknown");
        });
    }

    [Test]
    public void Labels_held_ahead_of_their_label_time_give_the_features_of_labels_taken_in_at_their_label_time()
    {
        // A scorer catching up holds labels its transactions could not have known; the trainer's replay takes each in at its
        // label time. Known labels at the terminal, and one still to come at a new terminal of the same merchant.
        var ahead = new LabelHistory(HistorySettings.Default);
        var inTime = new LabelHistory(HistorySettings.Default);
        var known = new FraudLabel("k", "C-1", "M-1", "T-1", IsFraud: false, s_start, LabelTime: s_start + TimeSpan.FromHours(1));
        var later = new FraudLabel("l", "C-2", "M-1", "T-2", IsFraud: true, s_start, LabelTime: s_start + TimeSpan.FromDays(3));
        ahead.Add(known);
        ahead.Add(later);
        inTime.Add(known);
        var cardsAhead = new CardHistoryStore(HistorySettings.Default);
        var cardsInTime = new CardHistoryStore(HistorySettings.Default);
        var transactions = new[] { Tx("a", TimeSpan.FromDays(1), 10, terminal: "T-2"), Tx("b", TimeSpan.FromDays(2), 10, terminal: "T-1") };

        Assert.Multiple(() =>
        {
            foreach (var t in transactions)
            {
                var withAhead = Observe(cardsAhead, ahead, t);
                var withInTime = Observe(cardsInTime, inTime, t);
                Assert.That(withAhead, Is.EqualTo(withInTime), t.TransactionId);
            }

            Assert.That(Observe(cardsAhead, ahead, Tx("c", TimeSpan.FromDays(4), 10, terminal: "T-2"))["terminal_frauds_7d"], Is.EqualTo(1), "known from its label time on");
        });
    }

    [TestCase(ChangelogLayout.Whole)]
    [TestCase(ChangelogLayout.Daily)]
    [TestCase(ChangelogLayout.Delta)]
    public void A_restored_card_history_gives_the_same_features_bit_for_bit(ChangelogLayout layout)
    {
        // 1,000 transactions over 67 days, changes taken every 1 to 9 of them as batches do (daily: days are rewritten,
        // filled late, out of order, and emptied as the 30-day windows move on: tombstones; delta: many whole records
        // and the slots rewritten after each). Restored from the whole log, and from what compaction keeps of it.
        var settings = HistorySettings.Default;
        var cards = new CardHistoryStore(settings) { TracksChanges = true, Layout = layout };
        var labels = new LabelHistory(settings);
        var random = new Random(7);
        var changelog = new List<CardChange>();
        for (var i = 0; i < 1_000; i++)
        {
            var late = random.Next(10) == 0 ? TimeSpan.FromHours(random.Next(1, 30)) : TimeSpan.Zero;
            Observe(cards, labels, Tx($"t{i}", TimeSpan.FromMinutes(i * 97) - late, Math.Round(random.NextDouble() * 300, 2), $"M-{random.Next(20)}",
                lat: random.Next(3) == 0 ? null : 40 + random.NextDouble(), lon: 2 + random.NextDouble()));
            if (random.Next(5) == 0)
            {
                changelog.AddRange(cards.TakeChanged());
            }
        }

        changelog.AddRange(cards.TakeChanged());
        var restored = CardChangelog.Restore(settings, changelog);
        var compacted = CardChangelog.Restore(settings, CardChangelog.Compact(changelog));

        var next = Tx("next", TimeSpan.FromMinutes(1_000 * 97), 77.7, "M-3", lat: 40.5, lon: 2.5);
        var wholeBefore = CardChangelog.Whole(cards.Find("C-1")!);
        var wholeRestored = CardChangelog.Whole(restored.Find("C-1")!);
        var wholeCompacted = CardChangelog.Whole(compacted.Find("C-1")!);
        var original = Observe(cards, labels, next).Values.Select(BitConverter.SingleToInt32Bits);
        var fromChangelog = Observe(restored, labels, next).Values.Select(BitConverter.SingleToInt32Bits);

        Assert.Multiple(() =>
        {
            Assert.That(changelog.Count(c => c.Value is null), layout == ChangelogLayout.Daily ? Is.GreaterThan(0) : Is.Zero, "old days were emptied");
            Assert.That(changelog.Where(c => c.Bucket is null && c.Slot is null).Select(c => c.Value?.Length ?? 0).DefaultIfEmpty().Max(), layout == ChangelogLayout.Daily ? Is.Zero : Is.GreaterThan(wholeBefore.Length / 2), "whole records");
            Assert.That(changelog.Max(c => c.Bucket is null && c.Slot is null ? 0 : c.Value?.Length ?? 0), Is.LessThan(wholeBefore.Length / 4), "a day or a delta is far smaller");
            Assert.That(changelog.Count(c => c.Slot is not null), layout == ChangelogLayout.Delta ? Is.GreaterThan(changelog.Count * 3 / 4) : Is.Zero, "deltas");
            Assert.That(changelog.Count(c => c.Bucket is not null), layout == ChangelogLayout.Daily ? Is.EqualTo(changelog.Count) : Is.Zero, "days");
            Assert.That(wholeRestored, Is.EqualTo(wholeBefore), "the same transactions in the same order");
            Assert.That(wholeCompacted, Is.EqualTo(wholeBefore), "the same from the compacted changelog");
            Assert.That(fromChangelog, Is.EqualTo(original));
        });
    }

    [Test]
    public void A_card_restored_from_a_whole_history_record_is_rewritten_in_buckets_at_its_next_change()
    {
        // A changelog written before 2026-12-07 holds one whole-history record per card (key: the card id).
        var settings = HistorySettings.Default;
        var old = new CardHistoryStore(settings) { TracksChanges = true };
        var labels = new LabelHistory(settings);
        for (var i = 0; i < 40; i++)
        {
            Observe(old, labels, Tx($"t{i}", TimeSpan.FromHours(i * 11), 10 + i));
        }

        var wholeRecord = CardChangelog.Whole(old.Find("C-1")!);
        var cards = new CardHistoryStore(settings) { TracksChanges = true, Layout = ChangelogLayout.Daily };
        cards.Restore(CardChange.FromRecord(System.Text.Encoding.UTF8.GetBytes("C-1"), wholeRecord));
        Observe(cards, labels, Tx("t40", TimeSpan.FromHours(40 * 11), 50));
        Observe(old, labels, Tx("t40", TimeSpan.FromHours(40 * 11), 50));
        var changes = cards.TakeChanged();

        var restored = new CardHistoryStore(settings);
        restored.Restore(CardChange.FromRecord(System.Text.Encoding.UTF8.GetBytes("C-1"), wholeRecord));
        foreach (var change in changes)
        {
            restored.Restore(CardChange.FromRecord(change.Key(), change.Value));
        }

        Assert.Multiple(() =>
        {
            Assert.That(changes[0], Is.EqualTo(new CardChange("C-1", null, null)), "first, the whole-history record is deleted");
            Assert.That(changes.Skip(1).Select(c => c.Bucket).Distinct().Count(), Is.EqualTo(changes.Count - 1).And.GreaterThan(15), "then every bucket once");
            Assert.That(CardChangelog.Whole(restored.Find("C-1")!), Is.EqualTo(CardChangelog.Whole(old.Find("C-1")!)));
            Assert.That(cards.TakeChanged(), Is.Empty, "rewritten once");
        });
    }

    [Test]
    public void A_damaged_changelog_value_is_refused_not_misread()
    {
        var cards = new CardHistoryStore(HistorySettings.Default);
        Observe(cards, new LabelHistory(HistorySettings.Default), Tx("a", TimeSpan.Zero, 10));
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        cards.Find("C-1")!.WriteTo(buffer);
        var bytes = buffer.WrittenSpan.ToArray();

        Assert.Multiple(() =>
        {
            Assert.Throws<FormatException>(() => CardHistory.ReadFrom(bytes.AsSpan(0, bytes.Length - 1)));
            Assert.Throws<FormatException>(() => CardHistory.ReadFrom([.. bytes, 0]));
            Assert.Throws<FormatException>(() => CardHistory.ReadFrom([99, .. bytes[1..]]));
        });
    }

    [Test]
    public void A_model_trained_with_another_lateness_is_refused_with_what_to_do()
    {
        var trained = FeaturePipeline.WithHistory(HistorySettings.Default with { Lateness = TimeSpan.FromHours(6) }).Signature;

        var refusal = Assert.Throws<IncompatibleModelException>(() => FeaturePipeline.For(trained, HistorySettings.Default));

        Assert.That(refusal!.Message, Does.Contain("06:00:00").And.Contain("01:00:00").And.Contain("retrain"));
    }

    [Test]
    public void A_stateless_tx_v1_model_is_still_served()
    {
        var v1 = new PipelineSignature(FeaturePipeline.StatelessVersion, ["amount", "hour_of_day"]);

        var pipeline = FeaturePipeline.For(v1);

        Assert.Multiple(() =>
        {
            Assert.That(pipeline.FeatureNames, Is.EqualTo(new[] { "amount", "hour_of_day" }));
            Assert.That(pipeline.UsesHistory, Is.False);
            Assert.Throws<IncompatibleModelException>(() => FeaturePipeline.For(v1 with { FeatureNames = ["card_count_1d"] }));
        });
    }
}
