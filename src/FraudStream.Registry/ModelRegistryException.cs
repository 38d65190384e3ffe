namespace FraudStream.Registry;

/// <summary>A registry operation failed for a reason the user can fix; the message is one sentence saying what to do.</summary>
public class ModelRegistryException : Exception
{
    public ModelRegistryException()
    {
    }

    public ModelRegistryException(string message)
        : base(message)
    {
    }

    public ModelRegistryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
