namespace FraudStream.XGBoost.Flat;

/// <summary>
/// What an objective does at prediction time, as libxgboost 1.7.4 does it on the CPU: the start of every margin (the
/// saved base_score turned into margin space) and the transformation of the margin into the prediction.
/// </summary>
/// <remarks>
/// Both are computed in float32 with the C library's <c>logf</c> and <c>expf</c> (MathF on Linux calls them), because
/// XGBoost does: <c>-logf(1 / p - 1)</c> for the base margin of a logistic objective and <c>1 / (1 + expf(-x))</c> for
/// its sigmoid. Computing either in double changes the last bit of some predictions.
/// </remarks>
internal enum FlatTransform
{
    /// <summary>The margin is the prediction (binary:logitraw, reg:squarederror).</summary>
    Identity,

    /// <summary>The logistic sigmoid of the margin (binary:logistic, reg:logistic).</summary>
    Sigmoid,
}

/// <summary>Maps XGBoost objective names to <see cref="FlatTransform"/>s and base margins.</summary>
internal static class FlatObjective
{
    /// <summary>The objectives the managed evaluator reproduces exactly, as a message lists them.</summary>
    public const string Supported = "binary:logistic, reg:logistic, binary:logitraw and reg:squarederror";

    /// <summary>The transformation of <paramref name="objective"/>, or null when the managed evaluator does not reproduce it.</summary>
    public static FlatTransform? TransformOf(string objective) => objective switch
    {
        "binary:logistic" or "reg:logistic" => FlatTransform.Sigmoid,
        "binary:logitraw" or "reg:squarederror" => FlatTransform.Identity,
        _ => null,
    };

    /// <summary>
    /// The margin every row starts from: base_score (a probability for the logistic objectives) in margin space,
    /// as XGBoost's ProbToMargin computes it. binary:logitraw keeps base_score as it is, like XGBoost 1.7.
    /// </summary>
    public static float BaseMargin(string objective, float baseScore) => objective switch
    {
        "binary:logistic" or "reg:logistic" => -MathF.Log((1f / baseScore) - 1f),
        _ => baseScore,
    };

    /// <summary>Applies <paramref name="transform"/> to each margin in place.</summary>
    public static void Apply(FlatTransform transform, Span<float> margins)
    {
        if (transform != FlatTransform.Sigmoid)
        {
            return;
        }

        for (var i = 0; i < margins.Length; i++)
        {
            margins[i] = 1f / (1f + MathF.Exp(-margins[i]));
        }
    }
}
