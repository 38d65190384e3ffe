using FraudStream.XGBoost.Native;

namespace FraudStream.XGBoost;

/// <summary>Facts about the libxgboost this process loaded.</summary>
public static class XGBoostLibrary
{
    /// <summary>The loaded libxgboost's version, e.g. 1.7.4.</summary>
    public static Version Version
    {
        get
        {
            XGBoostNative.Version(out var major, out var minor, out var patch);
            return new Version(major, minor, patch);
        }
    }
}
