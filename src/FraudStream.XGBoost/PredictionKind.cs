namespace FraudStream.XGBoost;

/// <summary>What a prediction returns, per row (XGBoost's predict "type").</summary>
public enum PredictionKind
{
    /// <summary>The objective's output, e.g. a probability for binary:logistic.</summary>
    Value = 0,

    /// <summary>The raw margin before the objective's transformation, e.g. log-odds for binary:logistic.</summary>
    Margin = 1,

    /// <summary>SHAP contributions: columns + 1 values per row (each feature's, then the bias), summing to the margin.</summary>
    Contributions = 2,
}
