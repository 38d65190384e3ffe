namespace FraudStream.XGBoost.Flat;

// This file: the check against the booster a forest was built from, run when a model is loaded for scoring.
public sealed partial class FlatForest
{
    /// <summary>Rows the load-time check scores (one native call, well under a millisecond on a default model).</summary>
    public const int CheckRows = 256;

    /// <summary>
    /// Scores <see cref="CheckRows"/> rows with this forest and with <paramref name="booster"/> (native in-place
    /// prediction) and compares every bit: the rows put each feature on one of its split thresholds, the float on
    /// either side, NaN or infinity, so they cross every kind of branch. Guards against a libxgboost whose arithmetic
    /// differs from the version the evaluator reproduces (1.7.4).
    /// </summary>
    /// <returns>Null when every score is equal, otherwise one sentence naming the first difference.</returns>
    public string? Disagreement(Booster booster, int iterationEnd = 0)
    {
        ArgumentNullException.ThrowIfNull(booster);
        var features = CheckFeatures();
        var native = new float[CheckRows];
        var managed = new float[CheckRows];
        booster.PredictDense(features, CheckRows, FeatureCount, native, iterationEnd: iterationEnd);
        Predict(features, CheckRows, FeatureCount, managed, iterationEnd);
        for (var row = 0; row < CheckRows; row++)
        {
            if (BitConverter.SingleToInt32Bits(native[row]) != BitConverter.SingleToInt32Bits(managed[row]))
            {
                return $"The managed evaluator scored check row {row} {managed[row]:R} where XGBoost {XGBoostLibrary.Version} scores {native[row]:R}.";
            }
        }

        return null;
    }

    private float[] CheckFeatures()
    {
        // Each feature's thresholds, from the splits of every tree.
        var thresholds = new List<float>[FeatureCount];
        for (var i = 0; i < FeatureCount; i++)
        {
            thresholds[i] = [];
        }

        for (var i = 0; i < _nodes.Length; i++)
        {
            if (!float.IsNaN(_nodes[i].Value))
            {
                thresholds[_nodes[i].Feature].Add(_nodes[i].Value);
            }
        }

        // Deterministic, so a disagreement reproduces.
        var random = new Random(12);
        var features = new float[CheckRows * FeatureCount];
        for (var row = 0; row < CheckRows; row++)
        {
            for (var column = 0; column < FeatureCount; column++)
            {
                var known = thresholds[column];
                var value = known.Count == 0 ? 0f : known[random.Next(known.Count)];
                features[(row * FeatureCount) + column] = random.Next(8) switch
                {
                    0 => float.NaN,
                    1 => MathF.BitDecrement(value),
                    2 => MathF.BitIncrement(value),
                    3 => random.Next(2) == 0 ? float.PositiveInfinity : float.NegativeInfinity,
                    _ => value,
                };
            }
        }

        return features;
    }
}
