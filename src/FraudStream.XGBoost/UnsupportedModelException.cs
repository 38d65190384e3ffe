namespace FraudStream.XGBoost;

/// <summary>
/// A model XGBoost loads, but which FraudStream's managed evaluator (<see cref="Flat.FlatForest"/>) does not reproduce
/// exactly (another objective, several outputs per row, categorical splits): the message says which, in one sentence.
/// Native XGBoost still scores it.
/// </summary>
public sealed class UnsupportedModelException : Exception
{
    public UnsupportedModelException()
    {
    }

    public UnsupportedModelException(string message)
        : base(message)
    {
    }

    public UnsupportedModelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
