using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FraudStream.Core.Models;

/// <summary>
/// What a model's inputs and scores looked like when it was trained, binned, so a scorer can measure how far live traffic
/// has moved from it (population stability, PSI): the features' distributions over the training split, the score's over
/// the test split (held out from fitting, early stopping and the threshold, and the newest data: what live traffic looks
/// like to the model). Features that only say when a transaction happened (hour, weekday) are left out: a window of live
/// traffic shorter than a week cannot match their training distribution, whatever the traffic.
/// </summary>
/// <param name="FeatureRows">Training rows the feature distributions were counted on.</param>
/// <param name="Features">The tracked features' distributions, each named as in the pipeline's feature names.</param>
/// <param name="ScoreRows">Test rows the score distribution was counted on.</param>
/// <param name="Score">The model's score (fraud probability) on them.</param>
public sealed record DriftReference(int FeatureRows, IReadOnlyList<FeatureDistribution> Features, int ScoreRows, BinnedDistribution Score);

/// <summary>One feature's reference distribution.</summary>
/// <param name="Name">The feature's name in the pipeline.</param>
/// <param name="Bins">Its bins and their shares.</param>
public sealed record FeatureDistribution(string Name, BinnedDistribution Bins);

/// <summary>
/// A distribution over bins: value bin i holds the values v with Edges[i-1] ≤ v &lt; Edges[i] (the first from minus
/// infinity, the last to plus infinity), so there is one value bin more than edges; missing values (NaN) have a bin of
/// their own, because a missing value means something here (no coordinates, no history yet).
/// </summary>
/// <param name="Edges">Strictly increasing, finite lower bounds of the value bins after the first.</param>
/// <param name="Proportions">Share of the rows in each value bin (Edges.Count + 1 of them).</param>
/// <param name="Missing">Share of the rows that were missing; with <paramref name="Proportions"/> it sums to 1.</param>
public sealed record BinnedDistribution(IReadOnlyList<float> Edges, IReadOnlyList<double> Proportions, double Missing)
{
    /// <summary>Most edges a distribution may have: a reference is a handful of quantiles, not a copy of the data.</summary>
    public const int MaxEdges = 64;

    /// <summary>
    /// The bin of <paramref name="value"/> among <paramref name="edges"/> (strictly increasing): 0 to edges.Length for a
    /// value (the number of edges at or below it), edges.Length + 1 for NaN (missing).
    /// </summary>
    public static int BinOf(ReadOnlySpan<float> edges, float value)
    {
        if (float.IsNaN(value))
        {
            return edges.Length + 1;
        }

        // A handful of edges: counting those at or below the value, without a branch, beats a binary search; eight at
        // a time where the CPU compares vectors (the drift monitor bins every feature of every scored row).
        var bin = 0;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var broadcast = Vector256.Create(value);
            ref var first = ref MemoryMarshal.GetReference(edges);
            for (; i <= edges.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var atOrBelow = Vector256.LessThanOrEqual(Vector256.LoadUnsafe(ref first, (nuint)i), broadcast);
                bin += BitOperations.PopCount(atOrBelow.ExtractMostSignificantBits());
            }
        }

        for (; i < edges.Length; i++)
        {
            bin += edges[i] <= value ? 1 : 0;
        }

        return bin;
    }
}
