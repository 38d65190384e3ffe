using System.Runtime.InteropServices;

namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>
/// Arrays of exact lengths for Confluent.Kafka's <c>Produce</c>, which takes a key and a value only as whole arrays and
/// copies them before it returns (librdkafka's RD_KAFKA_MSG_F_COPY, the arrays pinned for the call): one array per
/// length, refilled for every record of that length, so producing a record allocates nothing once its length was seen.
/// One instance per array a call needs at once (key, value); loop thread only.
/// </summary>
/// <remarks>
/// Lengths up to <see cref="MaxReusedLength"/> are kept, at most about 8 MiB for all of them; a longer record gets an
/// array of its own, as before.
/// </remarks>
internal sealed class ProduceArrays
{
    /// <summary>The longest length an array is kept for.</summary>
    public const int MaxReusedLength = 4096;

    private readonly Dictionary<int, byte[]> _byLength = [];

    /// <summary>An array of exactly <paramref name="bytes"/>' length holding them, valid until the next call for that length.</summary>
    public byte[] Holding(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxReusedLength)
        {
            return bytes.ToArray();
        }

        ref var array = ref CollectionsMarshal.GetValueRefOrAddDefault(_byLength, bytes.Length, out _);
        array ??= new byte[bytes.Length];
        bytes.CopyTo(array);
        return array;
    }
}
