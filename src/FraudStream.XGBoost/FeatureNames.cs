namespace FraudStream.XGBoost;

/// <summary>Rules for feature names, checked before XGBoost sees them (1.7 accepts duplicates and, on a booster, any count).</summary>
internal static class FeatureNames
{
    public const string Field = "feature_name";

    /// <param name="names">The names.</param>
    /// <param name="expectedCount">Columns the names describe; 0 when unknown (an untrained booster).</param>
    /// <param name="parameterName">The caller's parameter, for the exception.</param>
    public static void Validate(IReadOnlyList<string> names, int expectedCount, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(names, parameterName);
        if (expectedCount > 0 && names.Count != expectedCount)
        {
            throw new ArgumentException($"Expected {expectedCount} feature names, one per column, but got {names.Count}.", parameterName);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new ArgumentException($"Feature name {i} is empty; every column needs a name.", parameterName);
            }

            if (name.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Feature name {i} contains a NUL character.", parameterName);
            }

            if (!seen.Add(name))
            {
                throw new ArgumentException($"Feature name '{name}' appears more than once; names must be unique.", parameterName);
            }
        }
    }
}
