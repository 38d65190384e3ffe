using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>
/// Headers a dead-lettered record carries besides its original key, value and headers: why it was refused and where
/// it came from, so it can be inspected and replayed.
/// </summary>
public static class DeadLetterHeaders
{
    /// <summary>Why the record was refused, a stable snake_case name (e.g. bad_magic_byte, unknown_schema_id, invalid_value).</summary>
    public const string Reason = "fraudstream.dlq.reason";

    /// <summary>The error message.</summary>
    public const string Error = "fraudstream.dlq.error";

    /// <summary>The .NET exception type that carried the error.</summary>
    public const string ExceptionType = "fraudstream.dlq.exception";

    /// <summary>Source topic.</summary>
    public const string SourceTopic = "fraudstream.dlq.source.topic";

    /// <summary>Source partition, decimal.</summary>
    public const string SourcePartition = "fraudstream.dlq.source.partition";

    /// <summary>Source offset, decimal.</summary>
    public const string SourceOffset = "fraudstream.dlq.source.offset";

    /// <summary>The source record's Kafka timestamp, Unix milliseconds, decimal.</summary>
    public const string SourceTimestamp = "fraudstream.dlq.source.timestamp";

    /// <summary>
    /// Present when the original value was cut to fit the producer's message.max.bytes beside these headers: the original
    /// value's length in bytes, decimal. The value kept is the original's first bytes.
    /// </summary>
    public const string Truncated = "fraudstream.dlq.truncated";

    // librdkafka counts key, value and serialized headers against message.max.bytes; this leaves room for the
    // headers' length prefixes and the record batch around a message sent alone.
    private const int Overhead = 1024;

    /// <summary>Reads a header written by the scorer as text, or null.</summary>
    public static string? Get(Headers? headers, string name) =>
        headers is not null && headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;

    internal static Headers Create(Headers? original, string reason, Exception error, TopicPartitionOffset source, Timestamp timestamp)
    {
        var headers = new Headers();
        if (original is not null)
        {
            foreach (var header in original)
            {
                headers.Add(header.Key, header.GetValueBytes());
            }
        }

        Add(headers, Reason, reason);
        Add(headers, Error, error.Message);
        Add(headers, ExceptionType, error.GetType().FullName ?? error.GetType().Name);
        Add(headers, SourceTopic, source.Topic);
        Add(headers, SourcePartition, source.Partition.Value.ToString(CultureInfo.InvariantCulture));
        Add(headers, SourceOffset, source.Offset.Value.ToString(CultureInfo.InvariantCulture));
        Add(headers, SourceTimestamp, timestamp.UnixTimestampMs.ToString(CultureInfo.InvariantCulture));
        return headers;
    }

    /// <summary>
    /// The dead letter for <paramref name="source"/>: its key, value and headers plus the reason headers. A value too large
    /// to fit <paramref name="maxMessageBytes"/> beside them is cut (<see cref="Truncated"/>): a record refused by the
    /// producer would fail every retry of its batch's transaction and stop the partition for good.
    /// </summary>
    internal static Message<byte[], byte[]> Letter(ConsumeResult<byte[], byte[]> source, string reason, Exception error, int maxMessageBytes)
    {
        var headers = Create(source.Message.Headers, reason, error, source.TopicPartitionOffset, source.Message.Timestamp);
        var value = source.Message.Value;
        var size = (source.Message.Key?.Length ?? 0) + (value?.Length ?? 0) + headers.Sum(h => Encoding.UTF8.GetByteCount(h.Key) + h.GetValueBytes().Length) + Overhead;
        if (value is not null && size > maxMessageBytes)
        {
            var keep = Math.Max(0, value.Length - (size - maxMessageBytes) - 64);
            Add(headers, Truncated, value.Length.ToString(CultureInfo.InvariantCulture));
            value = value[..keep];
        }

        return new Message<byte[], byte[]> { Key = source.Message.Key!, Value = value!, Headers = headers };
    }

    private static void Add(Headers headers, string name, string value) => headers.Add(name, Encoding.UTF8.GetBytes(value));
}
