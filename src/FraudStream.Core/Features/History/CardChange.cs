using System.Buffers.Binary;
using System.Text;

namespace FraudStream.Core.Features.History;

/// <summary>
/// One record of a card history changelog: a card's transactions in one bucket (a day of event time,
/// <see cref="CardHistory.BucketOf"/>) in changelog form, or null (a tombstone) when the bucket holds none any more.
/// A record without a bucket holds the card's whole history (null: the card has none), as every record did before
/// 2026-12-07; the scorer still reads those, and replaces one with bucket records the first time the card changes.
/// </summary>
/// <remarks>
/// A batch rewrites only the buckets it changed (a transaction lands in today's), so a record carries a day of one
/// card, not its whole history; compaction keeps each bucket's latest record.
/// </remarks>
public readonly record struct CardChange(string CardId, int? Bucket, byte[]? Value)
{
    private const int BucketSuffix = 5;

    /// <summary>A changelog record as read from Kafka.</summary>
    public static CardChange FromRecord(ReadOnlySpan<byte> key, byte[]? value)
    {
        if (key.Length >= BucketSuffix && key[^BucketSuffix] == 0)
        {
            var bucket = BinaryPrimitives.ReadInt32BigEndian(key[^(BucketSuffix - 1)..]);
            return new CardChange(Encoding.UTF8.GetString(key[..^BucketSuffix]), bucket, value);
        }

        return new CardChange(Encoding.UTF8.GetString(key), null, value);
    }

    /// <summary>The record's Kafka key: the card id in UTF-8, then (for a bucket) a zero byte and the bucket as a big-endian int32.</summary>
    public byte[] Key()
    {
        var id = Encoding.UTF8.GetByteCount(CardId);
        var key = new byte[id + (Bucket is null ? 0 : BucketSuffix)];
        Encoding.UTF8.GetBytes(CardId, key);
        if (Bucket is { } bucket)
        {
            BinaryPrimitives.WriteInt32BigEndian(key.AsSpan(id + 1), bucket);
        }

        return key;
    }
}
