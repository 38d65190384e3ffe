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

    /// <summary>
    /// Approximate contributions (Saabas: each split's change in expected value credited to its feature), same shape
    /// as <see cref="Contributions"/> and also summing to the margin, at a fraction of exact SHAP's cost.
    /// </summary>
    ApproximateContributions = 3,
}
