using FraudStream.Core.Features.History;
using FraudStream.Core.Transactions;
using FraudStream.Testing;

namespace FraudStream.Core.Tests;

/// <summary>
/// <see cref="CardHistoryStore.TakeChanged(ChangelogBuffer, int)"/>, the scorer's path: the records' key and value bytes,
/// as the scorer produces them from one buffer reused batch after batch, restore every card exactly.
/// </summary>
public sealed class ChangelogBufferTests
{
    private static readonly DateTimeOffset s_start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [TestCase(ChangelogLayout.Whole)]
    [TestCase(ChangelogLayout.Daily)]
    [TestCase(ChangelogLayout.Delta)]
    public void Records_taken_into_a_reused_buffer_restore_every_card_exactly(ChangelogLayout layout)
    {
        // 3,000 transactions of 40 cards over 90 days, some late; changes taken every 1 to 30 transactions into one
        // buffer, cleared after each batch as the scorer's work is; each record read back from its key and value bytes.
        var settings = HistorySettings.Default;
        var cards = new CardHistoryStore(settings) { TracksChanges = true, Layout = layout };
        var labels = new LabelHistory(settings);
        var buffer = new ChangelogBuffer();
        var changelog = new List<CardChange>();
        var partitions = new HashSet<int>();
        var random = new Random(11);
        var batches = 0;
        for (var i = 0; i < 3_000; i++)
        {
            var late = random.Next(8) == 0 ? TimeSpan.FromHours(random.Next(1, 40)) : TimeSpan.Zero;
            var t = new Transaction($"t{i}", $"C-{random.Next(40)}", s_start + TimeSpan.FromMinutes(i * 43) - late, Math.Round(random.NextDouble() * 500, 2),
                "EUR", $"M-{random.Next(30)}", "5411", Channel.Pos, CardPresent: true, TerminalId: $"T-{random.Next(9)}");
            HistoryFeatures.Observe(cards, labels, t, new float[HistoryFeatures.Count]);
            if (random.Next(15) == 0 || i == 2_999)
            {
                cards.TakeChanged(buffer, partition: batches % 3);
                for (var r = 0; r < buffer.Count; r++)
                {
                    partitions.Add(buffer.Partition(r));
                    changelog.Add(CardChange.FromRecord(buffer.Key(r), buffer.IsTombstone(r) ? null : buffer.Value(r).ToArray()));
                }

                buffer.Clear();
                batches++;
            }
        }

        var restored = CardChangelog.Restore(settings, changelog, layout);
        var compacted = CardChangelog.Restore(settings, CardChangelog.Compact(changelog), layout);
        var differing = Enumerable.Range(0, 40).Select(c => $"C-{c}")
            .Where(card => !CardChangelog.Whole(restored.Find(card)!).SequenceEqual(CardChangelog.Whole(cards.Find(card)!)) || !CardChangelog.Whole(compacted.Find(card)!).SequenceEqual(CardChangelog.Whole(cards.Find(card)!)))
            .ToList();

        Assert.Multiple(() =>
        {
            Assert.That(batches, Is.GreaterThan(150));
            Assert.That(partitions, Is.EquivalentTo(new[] { 0, 1, 2 }), "each record carries the partition it was taken for");
            Assert.That(changelog.Count(c => c.Slot is not null), layout == ChangelogLayout.Delta ? Is.GreaterThan(changelog.Count / 2) : Is.Zero, "deltas");
            Assert.That(changelog.Count(c => c.Value is null), layout == ChangelogLayout.Daily ? Is.GreaterThan(0) : Is.Zero, "days emptied as the windows moved");
            Assert.That(differing, Is.Empty, "cards whose restored history differs from the scorer's");
        });
    }

    [Test]
    public void A_cleared_buffer_holds_nothing_of_the_batch_before()
    {
        var cards = new CardHistoryStore(HistorySettings.Default) { TracksChanges = true };
        var labels = new LabelHistory(HistorySettings.Default);
        var buffer = new ChangelogBuffer();
        HistoryFeatures.Observe(cards, labels, new Transaction("a", "C-long-card-id-0001", s_start, 10, "EUR", "M", "5411", Channel.Pos, true), new float[HistoryFeatures.Count]);
        cards.TakeChanged(buffer, 0);
        var first = buffer.Value(0).ToArray();
        buffer.Clear();
        HistoryFeatures.Observe(cards, labels, new Transaction("b", "C-2", s_start.AddHours(1), 20, "EUR", "M", "5411", Channel.Pos, true), new float[HistoryFeatures.Count]);
        cards.TakeChanged(buffer, 4);

        Assert.Multiple(() =>
        {
            Assert.That(buffer.Count, Is.EqualTo(1));
            Assert.That(buffer.Partition(0), Is.EqualTo(4));
            Assert.That(buffer.Key(0).ToArray(), Is.EqualTo("C-2"u8.ToArray()));
            Assert.That(buffer.Value(0).ToArray(), Is.EqualTo(CardChangelog.Whole(cards.Find("C-2")!)));
            Assert.That(buffer.Bytes, Is.EqualTo(3 + buffer.Value(0).Length), "only the new record's key and value");
            Assert.That(first, Is.EqualTo(CardChangelog.Whole(cards.Find("C-long-card-id-0001")!)));
        });
    }
}
