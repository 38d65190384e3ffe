namespace FraudStream.XGBoost;

/// <summary>How XGBoost encodes a saved model: both hold the same model, UBJSON is smaller and faster to load.</summary>
public enum ModelFormat
{
    /// <summary>JSON text (".json").</summary>
    Json,

    /// <summary>Universal Binary JSON (".ubj"), XGBoost's recommended format.</summary>
    Ubjson,
}
