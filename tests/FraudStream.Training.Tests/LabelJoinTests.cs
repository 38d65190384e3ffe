using System.Globalization;
using FraudStream.Core.Features.History;
using FraudStream.Core.Models;
using FraudStream.Core.Transactions;
using FraudStream.Training.Data;

namespace FraudStream.Training.Tests;

/// <summary>Transactions and labels read from the stream, joined as a model trained at the window's end could know them.</summary>
public sealed class LabelJoinTests
{
    private static readonly DateTimeOffset s_from = At("2026-03-01T00:00:00Z");
    private static readonly DateTimeOffset s_to = At("2026-03-31T00:00:00Z");
    private static readonly TimeRange s_window = new(s_from, s_to);
    private static readonly TimeSpan s_labelDelay = TimeSpan.FromDays(7);

    [Test]
    public void A_label_known_before_the_end_is_used_and_one_known_at_or_after_it_is_not()
    {
        // Arrange: two old transactions, both fraud; one chargeback came before the end, the other after it.
        var join = new LabelJoin(s_window, s_labelDelay);
        var early = Tx("early", s_from.AddDays(1));
        var late = Tx("late", s_from.AddDays(2));
        join.Add(early);
        join.Add(late);

        // Act
        join.Add(FraudLabel.Of(early, isFraud: true, s_to.AddTicks(-TimeSpan.TicksPerMillisecond)));
        join.Add(FraudLabel.Of(late, isFraud: true, s_to));
        var joined = join.Complete();

        // Assert
        var byId = joined.Rows.ToDictionary(r => r.Transaction.TransactionId);
        Assert.Multiple(() =>
        {
            Assert.That(byId["early"].IsFraud, Is.True);
            Assert.That(byId["late"].IsFraud, Is.False, "its chargeback came at the end: not known to a model trained then");
            Assert.That(byId["late"].Scenario, Is.EqualTo(LabelJoin.UnlabelledScenario));
            Assert.That(byId["late"].LabelTime, Is.EqualTo(s_to), "known no earlier than the end, so history never uses it");
            Assert.That(joined.Counts.LabelsAfterEnd, Is.EqualTo(1));
        });
    }

    [Test]
    public void Without_a_label_an_old_transaction_is_genuine_and_a_recent_one_only_feeds_history()
    {
        // Arrange
        var join = new LabelJoin(s_window, s_labelDelay);
        var old = Tx("old", s_to - s_labelDelay);
        var recent = Tx("recent", s_to - s_labelDelay + TimeSpan.FromMilliseconds(1));
        var recentLabelled = Tx("recent-labelled", s_to.AddDays(-1));

        // Act
        join.Add(recentLabelled);
        join.Add(recent);
        join.Add(old);
        join.Add(FraudLabel.Of(recentLabelled, isFraud: true, s_to.AddHours(-1)));
        var joined = join.Complete();

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(joined.Rows.Select(r => (r.Transaction.TransactionId, r.IsFraud)), Is.EqualTo(new[] { ("old", false), ("recent-labelled", true) }));
            Assert.That(joined.Unlabelled.Select(t => t.TransactionId), Is.EqualTo(new[] { "recent" }));
            Assert.That(joined.Counts, Is.EqualTo(new LabelJoinCounts(3, Fraud: 1, Genuine: 0, GenuineWithoutLabel: 1, AwaitingLabel: 1, 0, 0, 0, 0)));
        });
    }

    [Test]
    public void Transactions_outside_the_window_repeated_ids_and_labels_of_other_transactions_are_counted_not_used()
    {
        // Arrange
        var join = new LabelJoin(s_window, s_labelDelay);
        var inside = Tx("in", s_from);
        var before = Tx("before", s_from.AddTicks(-1));
        var atEnd = Tx("at-end", s_to);

        // Act: the labels come first, as a reader of two topics may take them.
        join.Add(FraudLabel.Of(before, isFraud: true, s_from.AddDays(1)));
        join.Add(FraudLabel.Of(inside, isFraud: false, s_from.AddDays(1)));
        join.Add(FraudLabel.Of(inside, isFraud: true, s_from.AddDays(2)));
        foreach (var t in new[] { inside, before, atEnd, inside with { Amount = 99 } })
        {
            join.Add(t);
        }

        var joined = join.Complete();

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(joined.Rows.Single().Transaction, Is.EqualTo(inside), "the first of a repeated id is kept");
            Assert.That(joined.Rows.Single().IsFraud, Is.True, "the latest label known wins");
            Assert.That(joined.Counts.OutsideWindow, Is.EqualTo(2), "the start is in the window, the end is not");
            Assert.That(joined.Counts.DuplicateTransactions, Is.EqualTo(1));
            Assert.That(joined.Counts.LabelsWithoutTransaction, Is.EqualTo(1));
        });
    }

    [Test]
    public void Rows_come_in_event_time_order_with_ties_by_id_whatever_the_order_read()
    {
        var join = new LabelJoin(s_window, TimeSpan.Zero);
        foreach (var t in new[] { Tx("b", s_from.AddDays(1)), Tx("c", s_from), Tx("a", s_from.AddDays(1)) })
        {
            join.Add(t);
        }

        Assert.That(join.Complete().Rows.Select(r => r.Transaction.TransactionId), Is.EqualTo(new[] { "c", "a", "b" }));
    }

    [Test]
    public void A_transaction_awaiting_its_label_still_counts_in_its_cards_history()
    {
        // Arrange: the card's second transaction is awaiting its label; the third, labelled, comes an hour later.
        var cardCount1d = HistoryFeatures.Names.ToList().IndexOf("card_count_1d");
        var rows = new[]
        {
            new LabelledTransaction(Tx("first", s_from), false, "genuine", s_from.AddDays(7)),
            new LabelledTransaction(Tx("third", s_from.AddHours(2)), false, "genuine", s_from.AddDays(7)),
        };
        var awaiting = new[] { Tx("second", s_from.AddHours(1)) };

        // Act
        var history = HistoryReplay.Compute(rows, awaiting, HistorySettings.Default, s_labelDelay);
        var without = HistoryReplay.Compute(rows, [], HistorySettings.Default, s_labelDelay);

        // Assert
        var width = HistoryFeatures.Count;
        Assert.Multiple(() =>
        {
            Assert.That(history, Has.Length.EqualTo(rows.Length * width), "features for the rows only");
            Assert.That(history[width + cardCount1d] - without[width + cardCount1d], Is.EqualTo(1f), "the third sees the second, as the scorer did");
        });
    }

    [Test]
    public void The_warm_up_before_the_window_feeds_history_with_its_labels_and_is_never_trained_on()
    {
        // Arrange: ten days of warm-up. Before it, one transaction; in it, a fraud charged back before the window and one
        // without a label; then a row in the window at the same merchant and card.
        var join = new LabelJoin(s_window, s_labelDelay, TimeSpan.FromDays(10));
        var tooEarly = Tx("too-early", s_from.AddDays(-11));
        var warmFraud = Tx("warm-fraud", s_from.AddDays(-3));
        var warmUnlabelled = Tx("warm-unlabelled", s_from.AddDays(-2));
        var row = Tx("row", s_from.AddHours(1));
        foreach (var t in new[] { tooEarly, warmFraud, warmUnlabelled, row })
        {
            join.Add(t);
        }

        join.Add(FraudLabel.Of(warmFraud, isFraud: true, s_from.AddDays(-1)));
        join.Add(FraudLabel.Of(row, isFraud: false, s_from.AddDays(2)));

        // Act
        var joined = join.Complete();
        var warm = HistoryReplay.Compute(joined.Rows, joined.Unlabelled, HistorySettings.Default, s_labelDelay, joined.WarmUp);
        var cold = HistoryReplay.Compute(joined.Rows, [], HistorySettings.Default, s_labelDelay);
        var all = HistoryReplay.Compute(
            [new LabelledTransaction(warmFraud, true, "fraud", s_from.AddDays(-1)), new LabelledTransaction(warmUnlabelled, false, "genuine", s_to), joined.Rows[0]],
            [], HistorySettings.Default, s_labelDelay);

        // Assert
        var names = HistoryFeatures.Names.ToList();
        var width = HistoryFeatures.Count;
        Assert.Multiple(() =>
        {
            Assert.That(joined.Rows.Select(r => r.Transaction.TransactionId), Is.EqualTo(new[] { "row" }), "only the window is trained on");
            Assert.That(joined.WarmUp.Select(r => (r.Transaction.TransactionId, r.IsFraud)), Is.EqualTo(new[] { ("warm-fraud", true) }));
            Assert.That(joined.Unlabelled.Select(t => t.TransactionId), Is.EqualTo(new[] { "warm-unlabelled" }));
            Assert.That(joined.Counts.WarmUp, Is.EqualTo(2));
            Assert.That(joined.Counts.OutsideWindow, Is.EqualTo(1), "before the warm-up");
            Assert.That(joined.Counts.LabelsWithoutTransaction, Is.Zero, "the warm-up's label has its transaction");
            Assert.That(warm[names.IndexOf("card_count_7d")], Is.EqualTo(2f), "the card's two warm-up payments");
            Assert.That(warm[names.IndexOf("merchant_frauds_7d")], Is.EqualTo(1f), "the warm-up's chargeback");
            Assert.That(cold[names.IndexOf("card_count_7d")], Is.NaN, "without warm-up the card starts empty");
            Assert.That(warm.AsSpan(0, width).ToArray(), Is.EqualTo(all.AsSpan(2 * width, width).ToArray()), "the features a replay of everything gives the row");
        });
    }

    [Test]
    public void The_hash_of_rows_is_the_hash_of_their_csv()
    {
        var rows = new[] { new LabelledTransaction(Tx("a", s_from), true, "fraud", s_from.AddDays(1)) };
        using var csv = new StringWriter(CultureInfo.InvariantCulture);
        LabelledTransactionCsv.Write(csv, rows);

        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(csv.ToString())));

        Assert.That(TrainingSource.Sha256OfRows(rows), Is.EqualTo(expected));
    }

    private static Transaction Tx(string id, DateTimeOffset at) =>
        new(id, "C-1", at, 10, "EUR", "M-1", "5411", Channel.Pos, CardPresent: true, TerminalId: "T-1");

    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);
}
