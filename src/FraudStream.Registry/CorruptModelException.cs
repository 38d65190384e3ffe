namespace FraudStream.Registry;

/// <summary>A model's bytes do not hash to the SHA-256 its metadata records, or the model file is missing.</summary>
public sealed class CorruptModelException : ModelRefusedException
{
    public CorruptModelException()
    {
    }

    public CorruptModelException(string message)
        : base(message)
    {
    }

    public CorruptModelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CorruptModelException(string message, string version, string? expectedSha256, string? actualSha256)
        : base(message)
    {
        Version = version;
        ExpectedSha256 = expectedSha256;
        ActualSha256 = actualSha256;
    }

    /// <summary>The model version concerned, when known.</summary>
    public string? Version { get; }

    /// <summary>The SHA-256 recorded in the metadata, when the failure is a checksum mismatch.</summary>
    public string? ExpectedSha256 { get; }

    /// <summary>The SHA-256 of the bytes actually found, when the failure is a checksum mismatch.</summary>
    public string? ActualSha256 { get; }

    /// <inheritdoc />
    public override string Reason => "checksum";
}
