using System.Buffers;
using FraudStream.Core.Features.History;

namespace FraudStream.Testing;

/// <summary>A card history changelog as Kafka would hand it to a restore: whole, or after compaction.</summary>
public static class CardChangelog
{
    /// <summary>
    /// What compaction leaves of <paramref name="changelog"/> (records in offset order): each key's latest record, in
    /// the order of their offsets, tombstones included (as within delete.retention.ms) or not (after it).
    /// </summary>
    public static List<CardChange> Compact(IReadOnlyList<CardChange> changelog, bool keepTombstones = false)
    {
        ArgumentNullException.ThrowIfNull(changelog);
        var latest = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < changelog.Count; i++)
        {
            latest[Convert.ToBase64String(changelog[i].Key())] = i;
        }

        return [.. latest.Values.Order().Select(i => changelog[i]).Where(c => keepTombstones || c.Value is not null)];
    }

    /// <summary>A memory store restored from <paramref name="changelog"/> through each record's Kafka key, as the scorer's restorer reads it.</summary>
    public static CardHistoryStore Restore(HistorySettings settings, IEnumerable<CardChange> changelog, ChangelogLayout layout = ChangelogLayout.Whole)
    {
        ArgumentNullException.ThrowIfNull(changelog);
        var store = new CardHistoryStore(settings) { TracksChanges = true, Layout = layout };
        foreach (var change in changelog)
        {
            store.Restore(CardChange.FromRecord(change.Key(), change.Value));
        }

        store.Restored();
        return store;
    }

    /// <summary>A card's whole history in changelog form (what a whole-history record holds), to compare histories byte for byte.</summary>
    public static byte[] Whole(CardHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var buffer = new ArrayBufferWriter<byte>();
        history.WriteTo(buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
