using Confluent.Kafka;

namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>
/// The consumer's key and value deserializer: copies each into an array of exactly its length taken from those of
/// finished batches, instead of a new one. Confluent.Kafka's own (<see cref="Deserializers.ByteArray"/>) makes two new
/// arrays a record, and they live as long as their batch is in the pipeline, so the runtime's first-generation
/// collections found most of them alive and copied them on (docs/PERFORMANCE.md: "Consumed bytes in arrays used again").
/// </summary>
/// <remarks>
/// Not thread-safe: the loop thread both consumes (which calls <see cref="Deserialize"/>) and gives a finished batch's
/// arrays back (<see cref="Return"/>); the scoring thread only reads arrays of the batch it was handed. A batch gives
/// its arrays back once nothing reads them any more: after its commit or abort, or when the pipeline is discarded.
/// </remarks>
internal sealed class RecordBytes : IDeserializer<byte[]>
{
    /// <summary>Arrays longer than this are not kept (a transaction's value is about 110 bytes, its key a card id).</summary>
    public const int MaxKeptLength = 2_048;

    private readonly Stack<byte[]>?[] _free = new Stack<byte[]>?[MaxKeptLength + 1];
    private readonly int _capacity;
    private int _kept;

    /// <param name="capacity">
    /// How many arrays are kept at most: what the batches in the pipeline hold (two a record), so a burst of large
    /// batches does not leave memory behind for good.
    /// </param>
    public RecordBytes(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _capacity = capacity;
    }

    /// <summary>Arrays kept for reuse now.</summary>
    public int Kept => _kept;

    /// <inheritdoc />
    public byte[] Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull)
        {
            return null!; // as Deserializers.ByteArray: a null key, or a tombstone's value
        }

        if (data.Length is 0 or > MaxKeptLength || _free[data.Length] is not { Count: > 0 } free)
        {
            return data.ToArray();
        }

        _kept--;
        var array = free.Pop();
        data.CopyTo(array);
        return array;
    }

    /// <summary>Keeps the keys and values of <paramref name="records"/> for reuse; nothing may read them afterwards.</summary>
    public void Return(List<ConsumeResult<byte[], byte[]>> records)
    {
        foreach (var record in records)
        {
            if (record.Message is { } message)
            {
                Keep(message.Key);
                Keep(message.Value);
            }
        }
    }

    private void Keep(byte[]? array)
    {
        if (array is null || array.Length is 0 or > MaxKeptLength || _kept >= _capacity)
        {
            return;
        }

        (_free[array.Length] ??= new Stack<byte[]>()).Push(array);
        _kept++;
    }
}
