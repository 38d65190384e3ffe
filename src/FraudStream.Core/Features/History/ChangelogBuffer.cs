using System.Buffers;

namespace FraudStream.Core.Features.History;

/// <summary>
/// A batch's card history changelog records, their keys and values written one after another into one growing buffer
/// that is reused from batch to batch: taking a batch's changes allocates nothing once the buffer has grown to a batch's
/// size (<see cref="CardHistoryStore.TakeChanged(ChangelogBuffer, int)"/>).
/// </summary>
/// <remarks>
/// The buffer keeps the largest size a batch needed for as long as the scorer's batch workspace lives. In the whole
/// layout that is each changed card's whole history, about 30 bytes a transaction kept: a few MiB for a batch of cards
/// with some tens of transactions each, more when cards keep up to HistorySettings.MaxEventsPerCard.
/// </remarks>
public sealed class ChangelogBuffer
{
    private readonly ArrayBufferWriter<byte> _bytes = new();
    private readonly List<Entry> _entries = [];

    /// <summary>Records held.</summary>
    public int Count => _entries.Count;

    /// <summary>Bytes of keys and values held.</summary>
    public int Bytes => _bytes.WrittenCount;

    /// <summary>Record <paramref name="index"/>'s changelog partition (the input partition its card came from).</summary>
    public int Partition(int index) => _entries[index].Partition;

    /// <summary>Record <paramref name="index"/>'s key (<see cref="CardChange.Key"/>'s bytes).</summary>
    public ReadOnlySpan<byte> Key(int index)
    {
        var e = _entries[index];
        return _bytes.WrittenSpan.Slice(e.KeyStart, e.ValueStart - e.KeyStart);
    }

    /// <summary>Whether record <paramref name="index"/> is a tombstone (no value).</summary>
    public bool IsTombstone(int index) => _entries[index].ValueLength < 0;

    /// <summary>Record <paramref name="index"/>'s value; empty for a tombstone.</summary>
    public ReadOnlySpan<byte> Value(int index)
    {
        var e = _entries[index];
        return e.ValueLength < 0 ? [] : _bytes.WrittenSpan.Slice(e.ValueStart, e.ValueLength);
    }

    /// <summary>Forgets every record; the buffer keeps its size for the next batch.</summary>
    public void Clear()
    {
        _bytes.ResetWrittenCount();
        _entries.Clear();
    }

    /// <summary>Starts a record: writes its key and returns the writer its value goes to; end it with <see cref="EndValue"/> or <see cref="EndTombstone"/>.</summary>
    internal IBufferWriter<byte> Begin(int partition, string cardId, int? bucket, int? slot)
    {
        var keyStart = _bytes.WrittenCount;
        CardChange.WriteKey(cardId, bucket, slot, _bytes);
        _entries.Add(new Entry(partition, cardId, bucket, slot, keyStart, _bytes.WrittenCount, ValueLength: 0));
        return _bytes;
    }

    /// <summary>Ends the record begun last: its value is what was written since its key.</summary>
    internal void EndValue()
    {
        var e = _entries[^1];
        _entries[^1] = e with { ValueLength = _bytes.WrittenCount - e.ValueStart };
    }

    /// <summary>Ends the record begun last as a tombstone.</summary>
    internal void EndTombstone() => _entries[^1] = _entries[^1] with { ValueLength = -1 };

    /// <summary>Record <paramref name="index"/> as a <see cref="CardChange"/> (copies its value).</summary>
    internal CardChange ToChange(int index)
    {
        var e = _entries[index];
        return new CardChange(e.CardId, e.Bucket, IsTombstone(index) ? null : Value(index).ToArray(), e.Slot);
    }

    private readonly record struct Entry(int Partition, string CardId, int? Bucket, int? Slot, int KeyStart, int ValueStart, int ValueLength);
}
