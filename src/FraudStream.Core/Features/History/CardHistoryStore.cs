using System.Buffers;
using FraudStream.Core.Transactions;

namespace FraudStream.Core.Features.History;

/// <summary>
/// The card histories of one input partition (the scorer) or of a whole data set (the trainer), keyed by card id.
/// The scorer records which cards a batch changed, to write their new state to the changelog.
/// </summary>
/// <remarks>
/// Without a backing every card is held in memory. With one (<see cref="ICardHistoryBacking"/>), memory holds a cache
/// of at most <see cref="CachedCards"/> cards plus the current batch's; every changed card is written to the backing
/// when its changes are taken, so any cached card can be dropped, least recently used first, and read back on demand.
/// </remarks>
public sealed class CardHistoryStore : IDisposable
{
    /// <summary>The first byte of a backing value that holds a count of deltas (a changelog value starts with its format version, 1).</summary>
    private const byte CountedDeltas = 0xD0;

    private readonly Dictionary<string, CardHistory> _cards = new(StringComparer.Ordinal);
    private readonly List<(string CardId, CardHistory History)> _changed = [];

    /// <summary>
    /// With a backing: the cards restored since the last write to it, as a whole-history record gave them (its bytes, kept
    /// as they are) or as day records or deltas left them; neither for a card with no history left.
    /// </summary>
    private readonly Dictionary<string, (byte[]? Whole, CardHistory? History)> _restoring = new(StringComparer.Ordinal);

    /// <summary>Cards restored from a whole-history record (an older changelog): their next change rewrites them in buckets.</summary>
    private readonly HashSet<string> _wholeRecords = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> _value = new(4096);
    private readonly ICardHistoryBacking? _backing;
    private long _clock;

    /// <summary>A store holding every card in memory.</summary>
    public CardHistoryStore(HistorySettings settings)
    {
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
    }

    /// <summary>A store that keeps its cards in <paramref name="backing"/> and at most <paramref name="cachedCards"/> of them in memory between batches; it tracks changes.</summary>
    public CardHistoryStore(HistorySettings settings, ICardHistoryBacking backing, int cachedCards)
        : this(settings)
    {
        ArgumentNullException.ThrowIfNull(backing);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cachedCards);
        _backing = backing;
        CachedCards = cachedCards;
        TracksChanges = true;
    }

    /// <summary>The settings the histories are kept with.</summary>
    public HistorySettings Settings { get; }

    /// <summary>Cards held (an estimate with a backing).</summary>
    public long Count => _backing?.EstimatedCards ?? _cards.Count;

    /// <summary>Cards held in memory between batches at most, with a backing.</summary>
    public int CachedCards { get; } = int.MaxValue;

    /// <summary>Transactions remembered later than the lateness bound allows: scored, not remembered.</summary>
    public long TooLate { get; private set; }

    /// <summary>Whether changed cards are recorded (the scorer); the trainer does not need them.</summary>
    public bool TracksChanges { get; init; }

    /// <summary>
    /// What <see cref="TakeChanged(ChangelogBuffer, int)"/> gives for each changed card: its whole history (<see cref="ChangelogLayout.Whole"/>);
    /// a record for each day of event time (bucket) it changed and a tombstone for a day it forgot, and for a card
    /// restored from a whole-history record a tombstone for that record and every day once (<see cref="ChangelogLayout.Daily"/>);
    /// or a delta, and every <see cref="CardHistory.DeltasPerWhole"/>+1st change its whole history (<see cref="ChangelogLayout.Delta"/>).
    /// <see cref="Restore(CardChange)"/> reads all three.
    /// </summary>
    public ChangelogLayout Layout { get; init; }

    /// <summary>The card's history, or null when the card has none.</summary>
    public CardHistory? Find(string cardId)
    {
        if (_cards.TryGetValue(cardId, out var card))
        {
            card.LastUsed = ++_clock;
            return card;
        }

        if (_backing?.Read(cardId) is not { } stored)
        {
            return null;
        }

        card = FromStored(stored);
        card.LastUsed = ++_clock;
        _cards[cardId] = card;
        return card;
    }

    /// <summary>Applies a whole-history changelog record (null: a tombstone, the card has none). Call <see cref="Restored"/> after the last one.</summary>
    /// <exception cref="FormatException">The value is not a card history.</exception>
    public void Restore(string cardId, byte[]? value) => Restore(new CardChange(cardId, null, value));

    /// <summary>
    /// Applies one changelog record, in the order the changelog holds them: a bucket record sets the card's transactions
    /// in that bucket, a delta adds to the card (a delta with no card before it is skipped: see <see cref="CardChange"/>),
    /// a whole-history record sets the whole history. Call <see cref="Restored"/> after the last one.
    /// </summary>
    /// <exception cref="FormatException">The value is not a card history, or not of its bucket, or not a delta.</exception>
    public void Restore(CardChange change)
    {
        var (cardId, bucket, value, slot) = change;
        ArgumentNullException.ThrowIfNull(cardId);
        CardHistory? history;
        if (slot is { } deltaSlot)
        {
            history = Restoring(cardId);
            if (history is null)
            {
                return; // its whole record was replaced or deleted since: nothing to add to
            }

            var (added, kept) = CardHistory.ReadDelta(value ?? throw new FormatException($"A card history delta of card '{cardId}' has no value."));
            history.ApplyDelta(added, kept, deltaSlot);
        }
        else if (bucket is { } day)
        {
            var events = value is null ? null : CardHistory.ReadFrom(value); // refuses what the scorer could not read back
            history = Restoring(cardId) ?? new CardHistory();
            history.ReplaceBucket(day, events);
            history.DeltasSinceWhole = -1; // departs from any whole record: a delta layout writes one at its next change
            history = history.Count > 0 ? history : null;
        }
        else
        {
            history = value is null ? null : CardHistory.ReadFrom(value);
            if (Layout == ChangelogLayout.Daily)
            {
                _ = history is null ? _wholeRecords.Remove(cardId) : _wholeRecords.Add(cardId);
            }
            else if (history is not null)
            {
                history.DeltasSinceWhole = 0; // the delta layout's next change writes a delta after this record
            }
        }

        if (_backing is not null)
        {
            _restoring[cardId] = bucket is null && slot is null ? (value, null) : (null, history);
            if (_restoring.Count >= 10_000)
            {
                Restored();
            }
        }
        else if (history is null)
        {
            _cards.Remove(cardId);
        }
        else
        {
            _cards[cardId] = history;
        }
    }

    /// <summary>Writes what <see cref="Restore(CardChange)"/> holds to the backing; in memory, gives back what the restore's day records or deltas over-allocated.</summary>
    public void Restored()
    {
        if (_backing is null && Layout != ChangelogLayout.Whole)
        {
            foreach (var card in _cards.Values)
            {
                card.TrimExcess();
            }
        }

        if (_backing is not null && _restoring.Count > 0)
        {
            _backing.Write([.. _restoring.Select(c => new KeyValuePair<string, byte[]?>(c.Key, c.Value.Whole ?? (c.Value.History is { } h ? Stored(h) : null)))]);
            _restoring.Clear();
        }
    }

    /// <summary>
    /// The changelog records of the cards changed since the last call, as <see cref="Layout"/> writes them, and forgets
    /// the changes; with a backing the changed cards are written to it whole and the cache is trimmed to <see cref="CachedCards"/>.
    /// </summary>
    public List<CardChange> TakeChanged()
    {
        var buffer = new ChangelogBuffer();
        TakeChanged(buffer, partition: 0);
        var changes = new List<CardChange>(buffer.Count);
        for (var i = 0; i < buffer.Count; i++)
        {
            changes.Add(buffer.ToChange(i));
        }

        return changes;
    }

    /// <summary>
    /// As <see cref="TakeChanged()"/>, the records added to <paramref name="into"/> for changelog partition
    /// <paramref name="partition"/>: without a backing, the whole and delta layouts encode straight into it, allocating nothing.
    /// </summary>
    public void TakeChanged(ChangelogBuffer into, int partition)
    {
        ArgumentNullException.ThrowIfNull(into);
        var wholes = _backing is null ? null : new KeyValuePair<string, byte[]?>[_changed.Count];
        for (var i = 0; i < _changed.Count; i++)
        {
            var (cardId, history) = _changed[i];
            history.Changed = false;
            byte[]? stored = null;
            if (Layout == ChangelogLayout.Delta)
            {
                // TakeDelta sets the card's count of deltas, which the backing's value holds: encoded after it.
                var delta = history.TakeDelta(cardId, into, partition);
                stored = wholes is null ? null : Stored(history);
                if (!delta)
                {
                    AddWhole(into, partition, cardId, history, stored);
                }
            }
            else if (wholes is not null)
            {
                stored = Whole(history); // the backing keeps whole histories
            }

            if (Layout == ChangelogLayout.Whole)
            {
                AddWhole(into, partition, cardId, history, stored);
            }
            else if (Layout == ChangelogLayout.Daily)
            {
                var rewrite = _wholeRecords.Count > 0 && _wholeRecords.Remove(cardId);
                if (rewrite)
                {
                    into.Begin(partition, cardId, null, null); // first: the restore applies records in order
                    into.EndTombstone();
                }

                history.TakeChanges(cardId, rewrite, into, partition);
            }

            if (wholes is not null)
            {
                wholes[i] = new(cardId, stored);
            }
        }

        _changed.Clear();
        if (_backing is not null)
        {
            _backing.Write(wholes!);
            Trim();
        }
    }

    /// <summary>
    /// Adds the card's whole-history record: <paramref name="stored"/>'s bytes when the backing's value was encoded (past
    /// its first byte when that holds a count of deltas), else encoded straight into <paramref name="into"/>.
    /// </summary>
    private void AddWhole(ChangelogBuffer into, int partition, string cardId, CardHistory history, byte[]? stored)
    {
        var output = into.Begin(partition, cardId, null, null);
        if (stored is null)
        {
            history.WriteTo(output);
        }
        else
        {
            output.Write(Layout == ChangelogLayout.Delta ? stored.AsSpan(1) : stored);
        }

        into.EndValue();
    }

    /// <summary>Approximate bytes held in memory, for the state-size metric.</summary>
    public long MemoryBytes() => _cards.Sum(c => c.Value.MemoryBytes + 64 + (2L * c.Key.Length)) + (_backing?.MemoryBytes ?? 0);

    /// <summary>Releases the backing.</summary>
    public void Dispose() => _backing?.Dispose();

    internal bool Remember(CardHistory? card, Transaction t)
    {
        if (card is null)
        {
            card = new CardHistory { LastUsed = ++_clock };
            _cards[t.CardId] = card;
        }

        if (!card.Remember(t, Settings, TracksChanges ? Layout : ChangelogLayout.Whole))
        {
            TooLate++;
            return false;
        }

        if (TracksChanges && !card.Changed)
        {
            card.Changed = true; // a flag on the card, not a set of ids: no second hash of the id per record
            _changed.Add((t.CardId, card));
        }

        return true;
    }

    /// <summary>The card's history as the restore has it so far.</summary>
    private CardHistory? Restoring(string cardId) =>
        _backing is null ? _cards.GetValueOrDefault(cardId)
        : _restoring.TryGetValue(cardId, out var restoring) ? restoring.History ?? (restoring.Whole is { } whole ? CardHistory.ReadFrom(whole) : null)
        : _backing.Read(cardId) is { } stored ? FromStored(stored)
        : null;

    /// <summary>The whole history in changelog form.</summary>
    private byte[] Whole(CardHistory history) => Encode(history, counted: false);

    /// <summary>
    /// The card as the backing keeps it: its whole history in changelog form, after a first byte <see cref="CountedDeltas"/>
    /// plus its count of deltas when it has one (delta layout), so a card read back from disk goes on writing deltas.
    /// </summary>
    private byte[] Stored(CardHistory history) => Encode(history, counted: Layout == ChangelogLayout.Delta && history.DeltasSinceWhole >= 0);

    private byte[] Encode(CardHistory history, bool counted)
    {
        _value.ResetWrittenCount();
        if (counted)
        {
            _value.GetSpan(1)[0] = (byte)(CountedDeltas + history.DeltasSinceWhole);
            _value.Advance(1);
        }

        history.WriteTo(_value);
        return _value.WrittenSpan.ToArray();
    }

    /// <summary>A card as <see cref="Stored"/> wrote it, or as a changelog record holds it (whole records restored are kept as they are).</summary>
    private static CardHistory FromStored(byte[] stored)
    {
        if (stored.Length > 0 && stored[0] is >= CountedDeltas and <= CountedDeltas + CardHistory.DeltasPerWhole)
        {
            var card = CardHistory.ReadFrom(stored.AsSpan(1));
            card.DeltasSinceWhole = stored[0] - CountedDeltas;
            return card;
        }

        return CardHistory.ReadFrom(stored);
    }

    /// <summary>Drops the least recently used cards down to nine tenths of the cache; every one is in the backing.</summary>
    private void Trim()
    {
        if (_cards.Count <= CachedCards)
        {
            return;
        }

        var used = new long[_cards.Count];
        var i = 0;
        foreach (var card in _cards.Values)
        {
            used[i++] = card.LastUsed;
        }

        Array.Sort(used);
        var keepFrom = used[_cards.Count - (CachedCards - (CachedCards / 10))]; // trimming to 90% spreads the sort over many batches
        foreach (var (cardId, card) in _cards)
        {
            if (card.LastUsed < keepFrom)
            {
                _cards.Remove(cardId);
            }
        }
    }
}
