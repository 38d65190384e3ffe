using System.Buffers;
using System.Buffers.Binary;

namespace FraudStream.Avro;

/// <summary>The Confluent framing of a Kafka value: magic byte 0, 4-byte big-endian schema id, Avro body.</summary>
public static class ConfluentWireFormat
{
    /// <summary>The only magic byte defined.</summary>
    public const byte MagicByte = 0;

    /// <summary>Magic byte plus schema id.</summary>
    public const int HeaderSize = 5;

    /// <summary>Splits a message into schema id and body; false with the failure and a sentence saying why.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> message, out int schemaId, out ReadOnlySpan<byte> body, out DecodeFailure failure, out string? error)
    {
        schemaId = 0;
        body = default;
        failure = default;
        error = null;
        if (message.Length > 0 && message[0] != MagicByte)
        {
            failure = DecodeFailure.BadMagicByte;
            error = $"The first byte is {message[0]}, not the Confluent wire-format magic byte 0: the value was not written by an Avro serializer with a schema registry";
            return false;
        }

        if (message.Length < HeaderSize)
        {
            failure = DecodeFailure.MissingHeader;
            error = $"The value has {message.Length} byte(s), fewer than the {HeaderSize}-byte Confluent wire-format header";
            return false;
        }

        schemaId = BinaryPrimitives.ReadInt32BigEndian(message[1..HeaderSize]);
        body = message[HeaderSize..];
        return true;
    }

    /// <summary>Splits a message into schema id and body, or throws <see cref="AvroDecodingException"/>.</summary>
    public static int ReadHeader(ReadOnlySpan<byte> message, out ReadOnlySpan<byte> body) =>
        TryReadHeader(message, out var schemaId, out body, out var failure, out var error)
            ? schemaId
            : throw new AvroDecodingException(failure, error!, failure == DecodeFailure.BadMagicByte ? 0 : message.Length);

    /// <summary>Writes the header; the body follows in the same writer.</summary>
    public static void WriteHeader(IBufferWriter<byte> output, int schemaId)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(HeaderSize);
        span[0] = MagicByte;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], schemaId);
        output.Advance(HeaderSize);
    }
}
