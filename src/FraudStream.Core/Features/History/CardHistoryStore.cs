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
    private readonly Dictionary<string, CardHistory> _cards = new(StringComparer.Ordinal);
    private readonly List<(string CardId, CardHistory History)> _changed = [];
    private readonly List<KeyValuePair<string, byte[]?>> _pending = [];
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

        card = CardHistory.ReadFrom(stored);
        card.LastUsed = ++_clock;
        _cards[cardId] = card;
        return card;
    }

    /// <summary>
    /// Puts a card's history as restored from the changelog, in its changelog form; null (a tombstone) forgets the card.
    /// Call <see cref="Restored"/> after the last one.
    /// </summary>
    /// <exception cref="FormatException">The value is not a card history.</exception>
    public void Restore(string cardId, byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(cardId);
        if (_backing is null)
        {
            if (value is null)
            {
                _cards.Remove(cardId);
            }
            else
            {
                _cards[cardId] = CardHistory.ReadFrom(value);
            }

            return;
        }

        if (value is not null)
        {
            _ = CardHistory.ReadFrom(value); // refuse what the scorer could not read back later
        }

        _pending.Add(new(cardId, value));
        if (_pending.Count >= 10_000)
        {
            Restored();
        }
    }

    /// <summary>Writes what <see cref="Restore"/> buffered to the backing.</summary>
    public void Restored()
    {
        if (_backing is not null && _pending.Count > 0)
        {
            _backing.Write(_pending);
            _pending.Clear();
        }
    }

    /// <summary>
    /// The cards changed since the last call, each once with its new history in changelog form, and forgets them;
    /// with a backing they are written to it and the cache is trimmed to <see cref="CachedCards"/>.
    /// </summary>
    public KeyValuePair<string, byte[]?>[] TakeChanged()
    {
        var changed = new KeyValuePair<string, byte[]?>[_changed.Count];
        for (var i = 0; i < changed.Length; i++)
        {
            var (cardId, history) = _changed[i];
            history.Changed = false;
            _value.ResetWrittenCount();
            history.WriteTo(_value);
            changed[i] = new(cardId, _value.WrittenSpan.ToArray());
        }

        _changed.Clear();
        if (_backing is not null)
        {
            _backing.Write(changed);
            Trim();
        }

        return changed;
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

        if (!card.Remember(t, Settings))
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
