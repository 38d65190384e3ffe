using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace FraudStream.Core.Features.History;

/// <summary>
/// One record of a card history changelog (<see cref="ChangelogLayout"/>), one of three kinds:
/// <list type="bullet">
/// <item>without bucket or slot, the card's whole history (null: the card has none), as every record was before
/// 2026-12-07;</item>
/// <item>with a <paramref name="Bucket"/>, the card's transactions in one day of event time (<see cref="CardHistory.BucketOf"/>),
/// or null (a tombstone) when the day holds none any more: the daily layout;</item>
/// <item>with a <paramref name="Slot"/>, a delta: the transactions a batch added to the history that the card's latest
/// whole record and the deltas in the slots before this one left, and how many the history then kept: the delta layout.</item>
/// </list>
/// </summary>
/// <remarks>
/// Compaction keeps each key's latest record. A restore applies records in the changelog's order: a whole record
/// replaces the card, a bucket record one day of it, a delta adds to it; a delta with no card before it belongs to a
/// whole record compaction has since replaced or deleted, and is skipped.
/// </remarks>
public readonly record struct CardChange(string CardId, int? Bucket, byte[]? Value, int? Slot = null)
{
    private const int Suffix = 5;
    private const byte BucketMarker = 0;
    private const byte SlotMarker = 1;

    /// <summary>A changelog record as read from Kafka.</summary>
    public static CardChange FromRecord(ReadOnlySpan<byte> key, byte[]? value)
    {
        if (key.Length >= Suffix && key[^Suffix] is BucketMarker or SlotMarker)
        {
            var number = BinaryPrimitives.ReadInt32BigEndian(key[^(Suffix - 1)..]);
            var cardId = Encoding.UTF8.GetString(key[..^Suffix]);
            return key[^Suffix] == BucketMarker ? new CardChange(cardId, number, value) : new CardChange(cardId, null, value, number);
        }

        return new CardChange(Encoding.UTF8.GetString(key), null, value);
    }

    /// <summary>
    /// The record's Kafka key: the card id in UTF-8, then for a bucket a zero byte and the bucket, for a delta a one byte
    /// and the slot (each a big-endian int32).
    /// </summary>
    public byte[] Key()
    {
        var key = new ArrayBufferWriter<byte>(Encoding.UTF8.GetMaxByteCount(CardId.Length) + Suffix);
        WriteKey(CardId, Bucket, Slot, key);
        return key.WrittenSpan.ToArray();
    }

    /// <summary>Writes the <see cref="Key"/> of a record of <paramref name="cardId"/> with <paramref name="bucket"/> or <paramref name="slot"/> (or neither).</summary>
    internal static void WriteKey(string cardId, int? bucket, int? slot, IBufferWriter<byte> output)
    {
        var number = bucket ?? slot;
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(cardId.Length) + Suffix);
        var id = Encoding.UTF8.GetBytes(cardId, span);
        if (number is { } n)
        {
            span[id] = bucket is null ? SlotMarker : BucketMarker;
            BinaryPrimitives.WriteInt32BigEndian(span[(id + 1)..], n);
        }

        output.Advance(id + (number is null ? 0 : Suffix));
    }
}
