namespace FraudStream.Core.Features.History;

/// <summary>
/// Where a <see cref="CardHistoryStore"/> keeps the card histories it does not hold in memory, in their changelog
/// form (<see cref="CardHistory.WriteTo"/>, with the delta layout's count of deltas before it): the scorer's on-disk
/// store for more cards than memory should hold. The values are the store's to read.
/// </summary>
/// <remarks>
/// A backing is a local copy of what the store's changelog holds plus the current batch's changes; it is rebuilt
/// from the changelog whenever the store is, so it needs no durability of its own.
/// </remarks>
public interface ICardHistoryBacking : IDisposable
{
    /// <summary>The card's history as the store wrote it, or null when the backing has none.</summary>
    byte[]? Read(string cardId);

    /// <summary>Writes cards' histories as the store gives them, in order; a null value removes the card.</summary>
    void Write(IReadOnlyList<KeyValuePair<string, byte[]?>> changes);

    /// <summary>An estimate of the cards held, for the state-size metric.</summary>
    long EstimatedCards { get; }

    /// <summary>An estimate of the memory the backing holds (caches, write buffers), for the state-size metric.</summary>
    long MemoryBytes { get; }
}
