namespace FraudStream.Core.Features.History;

// This file: the delta changelog layout (Scorer:HistoryChangelog=delta): a whole record now and then, and in between
// the transactions each batch added.
public sealed partial class CardHistory
{
    /// <summary>Delta records a card writes between two whole records; they take the slots 0 to this minus one, in turn.</summary>
    public const int DeltasPerWhole = 4;

    /// <summary>
    /// Events remembered since the store last took the card's changes (delta layout only), placed as in the history:
    /// in time order, arrival order among equal times. The next delta is written from it as it stands.
    /// </summary>
    private CardHistory? _added;

    /// <summary>
    /// Deltas written or restored since the card's latest whole record; -1 when no whole record is known to start the
    /// card's deltas (a new card, or one read from day records or from a backing): its next change writes one.
    /// </summary>
    internal int DeltasSinceWhole { get; set; } = -1;

    /// <summary>
    /// Adds to <paramref name="into"/> the card's delta record for what was remembered since the last call, in the next
    /// slot; false, adding nothing, when a whole record is due (none starts the deltas yet, or every slot is taken),
    /// which the caller writes: it counts as written.
    /// </summary>
    /// <remarks>
    /// A delta holds the transactions added, in changelog form and time order (arrival order among equal times), after
    /// a varint of how many transactions the history kept. Remember inserts each after every one at or before its time
    /// and forgets only the oldest, and a transaction it forgets is never newer than one it keeps later; so inserting the
    /// added ones the same way and dropping the oldest down to that count gives back the history exactly.
    /// </remarks>
    internal bool TakeDelta(string cardId, ChangelogBuffer into, int partition)
    {
        var added = _added;
        _added = null;
        if (DeltasSinceWhole is < 0 or >= DeltasPerWhole || added is null)
        {
            DeltasSinceWhole = 0;
            return false;
        }

        var output = into.Begin(partition, cardId, null, DeltasSinceWhole++);
        output.Advance(WriteVarint(output.GetSpan(10), (ulong)_count));
        added.WriteTo(output);
        into.EndValue();
        return true;
    }

    /// <summary>Reads a delta record's value (<see cref="TakeDelta"/>): the transactions added, and how many the history kept.</summary>
    /// <exception cref="FormatException">The bytes are not a delta of this format.</exception>
    internal static (CardHistory Added, int Kept) ReadDelta(ReadOnlySpan<byte> data)
    {
        var n = 0;
        var kept = ReadVarint(data, ref n);
        var added = ReadFrom(data[n..]);
        return kept is > 0 and <= int.MaxValue ? (added, (int)kept) : throw new FormatException($"A card history delta cannot keep {kept} transactions.");
    }

    /// <summary>
    /// Applies the delta of <paramref name="slot"/>: inserts its transactions as <c>Remember</c> did, then forgets the
    /// oldest down to the count it kept. A history with fewer is not the one the delta followed (a delta from before
    /// the card's latest whole record, which the restore reaches next and which replaces the card): it keeps them all.
    /// </summary>
    internal void ApplyDelta(CardHistory added, int kept, int slot)
    {
        for (var i = 0; i < added._count; i++)
        {
            Insert(added._events[i]);
        }

        DropOldest(_count - kept);
        DeltasSinceWhole = slot + 1;
    }
}
