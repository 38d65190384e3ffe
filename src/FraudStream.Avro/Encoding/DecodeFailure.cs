namespace FraudStream.Avro;

/// <summary>Why a message could not be decoded; stable names, usable as the DLQ reason header.</summary>
public enum DecodeFailure
{
    /// <summary>The input ended before the value did.</summary>
    Truncated,

    /// <summary>A variable-length int or long had more bytes than its type allows.</summary>
    VarintOverflow,

    /// <summary>A negative or oversized length prefix or block count.</summary>
    InvalidLength,

    /// <summary>A union branch index outside the union.</summary>
    BadUnionIndex,

    /// <summary>An enum index outside the writer's symbols, or a writer symbol the reader does not know and has no default for.</summary>
    UnknownEnumSymbol,

    /// <summary>A string that is not valid UTF-8.</summary>
    InvalidUtf8,

    /// <summary>Bytes left over after the value: usually the wrong writer schema.</summary>
    TrailingBytes,

    /// <summary>The Confluent wire-format magic byte is not 0.</summary>
    BadMagicByte,

    /// <summary>The message is too short to hold the Confluent wire-format header.</summary>
    MissingHeader,

    /// <summary>The Schema Registry does not know the schema id in the header.</summary>
    UnknownSchemaId,

    /// <summary>The writer schema cannot be read with the reader schema.</summary>
    IncompatibleSchema,

    /// <summary>A required field is missing or null.</summary>
    MissingRequiredField,

    /// <summary>A value decoded but breaks the contract (e.g. a negative or non-finite amount).</summary>
    InvalidValue,
}

/// <summary>A message could not be decoded: what went wrong (<see cref="Reason"/>) and at which byte.</summary>
public sealed class AvroDecodingException : Exception
{
    public AvroDecodingException(DecodeFailure reason, string message, long offset = -1, Exception? inner = null)
        : base(offset >= 0 ? $"{message} (at byte {offset})" : message, inner)
    {
        Reason = reason;
        Offset = offset;
    }

    /// <summary>The kind of failure; its name is the DLQ reason.</summary>
    public DecodeFailure Reason { get; }

    /// <summary>Byte offset in the decoded span where the failure was detected, or -1 when not tied to a position.</summary>
    public long Offset { get; }
}
