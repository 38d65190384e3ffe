namespace FraudStream.Registry;

/// <summary>A version is already published: versions never change, so the new model needs a new version.</summary>
public sealed class ModelVersionExistsException : ModelRegistryException
{
    public ModelVersionExistsException()
    {
    }

    public ModelVersionExistsException(string message)
        : base(message)
    {
    }

    public ModelVersionExistsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ModelVersionExistsException(string message, string version)
        : base(message)
    {
        Version = version;
    }

    /// <summary>The version that is already published, when known.</summary>
    public string? Version { get; }
}
