namespace FraudStream.Registry.Stores;

/// <summary>The model store could not serve a request (unreachable after retries, or refusing this configuration); the message says what to check.</summary>
public sealed class ModelStoreUnavailableException : ModelRegistryException
{
    public ModelStoreUnavailableException()
    {
    }

    public ModelStoreUnavailableException(string message)
        : base(message)
    {
    }

    public ModelStoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ModelStoreUnavailableException(string message, int attempts, Exception innerException)
        : base(message, innerException)
    {
        Attempts = attempts;
    }

    /// <summary>How many times the request was sent before giving up (1 when the failure was not worth retrying).</summary>
    public int Attempts { get; }
}
