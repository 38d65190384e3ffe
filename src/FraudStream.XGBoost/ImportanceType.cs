namespace FraudStream.XGBoost;

/// <summary>How <see cref="Booster.FeatureImportance"/> scores a feature.</summary>
public enum ImportanceType
{
    /// <summary>Number of splits on the feature.</summary>
    Weight,

    /// <summary>Average loss reduction of its splits.</summary>
    Gain,

    /// <summary>Average number of training rows its splits affect.</summary>
    Cover,

    /// <summary>Total loss reduction of its splits.</summary>
    TotalGain,

    /// <summary>Total number of training rows its splits affect.</summary>
    TotalCover,
}
