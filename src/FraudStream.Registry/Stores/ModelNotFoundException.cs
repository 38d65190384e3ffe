namespace FraudStream.Registry.Stores;

/// <summary>A key or model version the caller asked for is not in the store.</summary>
public sealed class ModelNotFoundException : ModelRegistryException
{
    public ModelNotFoundException()
    {
    }

    public ModelNotFoundException(string message)
        : base(message)
    {
    }

    public ModelNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ModelNotFoundException(string message, string key)
        : base(message)
    {
        Key = key;
    }

    /// <summary>The store key that was missing, when the failure concerns one key.</summary>
    public string? Key { get; }
}
