namespace FraudStream.Registry;

/// <summary>
/// A published version cannot be served: followers refuse it (keeping the current model) and promotion refuses to put it
/// in production. <see cref="Reason"/> is the refusal's metric label.
/// </summary>
public abstract class ModelRefusedException : ModelRegistryException
{
    protected ModelRefusedException()
    {
    }

    protected ModelRefusedException(string message)
        : base(message)
    {
    }

    protected ModelRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Why, as a short label: <c>checksum</c>, <c>bad_metadata</c>, <c>incompatible_features</c>, <c>load_failed</c>, <c>too_large</c>.</summary>
    public abstract string Reason { get; }
}

/// <summary>A version's metadata.json is not valid metadata of that version (malformed JSON, missing or out-of-range values).</summary>
public sealed class InvalidModelMetadataException : ModelRefusedException
{
    public InvalidModelMetadataException()
    {
    }

    public InvalidModelMetadataException(string message)
        : base(message)
    {
    }

    public InvalidModelMetadataException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override string Reason => "bad_metadata";
}

/// <summary>A version whose checksum holds still cannot be scored with: features the pipeline cannot produce, a model that does not load, or a model file over the size limit.</summary>
public sealed class UnservableModelException : ModelRefusedException
{
    public UnservableModelException()
        : this("The model cannot be served.", "load_failed")
    {
    }

    public UnservableModelException(string message)
        : this(message, "load_failed")
    {
    }

    public UnservableModelException(string message, Exception innerException)
        : base(message, innerException) => Reason = "load_failed";

    public UnservableModelException(string message, string reason)
        : base(message) => Reason = reason;

    public UnservableModelException(string message, string reason, Exception innerException)
        : base(message, innerException) => Reason = reason;

    /// <inheritdoc />
    public override string Reason { get; }
}
