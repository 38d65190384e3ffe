using FraudStream.Core.Transactions;

namespace FraudStream.Core.Features.History;

/// <summary>
/// The card histories of one input partition (the scorer) or of a whole data set (the trainer), in memory, keyed by
/// card id. The scorer records which cards a batch changed, to write their new state to the changelog.
/// </summary>
public sealed class CardHistoryStore(HistorySettings settings)
{
    private readonly Dictionary<string, CardHistory> _cards = new(StringComparer.Ordinal);
    private readonly List<(string CardId, CardHistory History)> _changed = [];

    /// <summary>The settings the histories are kept with.</summary>
    public HistorySettings Settings { get; } = settings ?? throw new ArgumentNullException(nameof(settings));

    /// <summary>Cards held.</summary>
    public int Count => _cards.Count;

    /// <summary>Transactions remembered later than the lateness bound allows: scored, not remembered.</summary>
    public long TooLate { get; private set; }

    /// <summary>Whether changed cards are recorded (the scorer); the trainer does not need them.</summary>
    public bool TracksChanges { get; init; }

    /// <summary>The card's history, or null when the card has none.</summary>
    public CardHistory? Find(string cardId) => _cards.GetValueOrDefault(cardId);

    /// <summary>Puts a card's history as restored from the changelog; null (a tombstone) forgets the card.</summary>
    public void Restore(string cardId, CardHistory? history)
    {
        if (history is null)
        {
            _cards.Remove(cardId);
        }
        else
        {
            _cards[cardId] = history;
        }
    }

    /// <summary>The cards changed since the last call, each once, and forgets them.</summary>
    public (string CardId, CardHistory History)[] TakeChanged()
    {
        var changed = _changed.ToArray();
        foreach (var (_, history) in changed)
        {
            history.Changed = false;
        }

        _changed.Clear();
        return changed;
    }

    /// <summary>Approximate bytes held, for the state-size metric.</summary>
    public long MemoryBytes() => _cards.Sum(c => c.Value.MemoryBytes + 64 + (2L * c.Key.Length));

    internal bool Remember(CardHistory? card, Transaction t)
    {
        if (card is null)
        {
            card = new CardHistory();
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
}
