using FraudStream.Core.Features;
using FraudStream.Core.Models;

namespace FraudStream.Training.Data;

/// <summary>
/// Builds a model's <see cref="DriftReference"/>: each feature binned at the deciles of the training rows, the score at
/// the deciles of the test rows' scores, with the share of rows in each bin.
/// </summary>
public static class ReferenceDistributions
{
    /// <summary>Bins a continuous value gets (deciles); a feature with at most this many distinct values gets one bin per value instead.</summary>
    public const int Bins = 10;

    /// <summary>
    /// The reference of a model whose training split is <paramref name="train"/> (columns named <paramref name="featureNames"/>)
    /// and whose scores on the test split are <paramref name="testScores"/>. Calendar features are left out
    /// (<see cref="FeaturePipeline.IsCalendarFeature"/>).
    /// </summary>
    public static DriftReference Build(FeatureMatrix train, IReadOnlyList<string> featureNames, ReadOnlySpan<float> testScores)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(featureNames);
        if (featureNames.Count != train.Columns)
        {
            throw new ArgumentException($"{featureNames.Count} feature names for {train.Columns} columns.", nameof(featureNames));
        }

        var column = new float[train.Rows];
        var features = new List<FeatureDistribution>(train.Columns);
        for (var c = 0; c < train.Columns; c++)
        {
            if (FeaturePipeline.IsCalendarFeature(featureNames[c]))
            {
                continue;
            }

            for (var r = 0; r < train.Rows; r++)
            {
                column[r] = train.Features[(r * train.Columns) + c];
            }

            features.Add(new FeatureDistribution(featureNames[c], Of(column)));
        }

        return new DriftReference(train.Rows, features, testScores.Length, Of(testScores.ToArray()));
    }

    /// <summary>
    /// The binned distribution of <paramref name="values"/> (reordered in place). Edges are the distinct values when there
    /// are at most <see cref="Bins"/> of them (one bin per value: a flag's share of ones stays visible), else the distinct
    /// deciles of the values present, plus the next value above any decile that holds a tenth of them by itself; an edge
    /// at the smallest value is dropped. Every edge is a value of the data, so no bin is empty by construction.
    /// </summary>
    public static BinnedDistribution Of(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0)
        {
            throw new ArgumentException("A reference distribution needs at least one row.", nameof(values));
        }

        Array.Sort(values); // NaN sorts first
        var missing = 0;
        while (missing < values.Length && float.IsNaN(values[missing]))
        {
            missing++;
        }

        var present = values.AsSpan(missing);
        var edges = present.IsEmpty ? [] : Edges(present);

        var counts = new long[edges.Length + 1];
        foreach (var value in present)
        {
            counts[BinnedDistribution.BinOf(edges, value)]++;
        }

        var rows = (double)values.Length;
        return new BinnedDistribution(edges, Array.ConvertAll(counts, n => n / rows), missing / rows);
    }

    private static float[] Edges(ReadOnlySpan<float> sorted)
    {
        var candidates = new List<float>(Bins * 2);
        foreach (var value in sorted)
        {
            if (float.IsFinite(value) && (candidates.Count == 0 || candidates[^1] != value))
            {
                candidates.Add(value);
                if (candidates.Count > Bins)
                {
                    break;
                }
            }
        }

        if (candidates.Count > Bins)
        {
            candidates.Clear();
            var previous = float.NaN;
            for (var i = 1; i < Bins; i++)
            {
                // The value just past the lowest i/Bins of the rows: bins are closed below, so the bin under it holds them.
                var at = Math.Min((int)Math.Ceiling((double)sorted.Length * i / Bins), sorted.Length - 1);
                var decile = sorted[at];
                if (decile == previous)
                {
                    continue; // the decile before, already placed
                }

                previous = decile;
                candidates.Add(decile);

                // A value holding a bin's worth of rows (a count of 0: no transaction in the last hour) gets a bin of its
                // own: the next value up is an edge too, or the rows above it would share its bin and their share go unseen.
                var first = at;
                while (first > 0 && sorted[first - 1] == decile)
                {
                    first--;
                }

                var next = at + 1;
                while (next < sorted.Length && sorted[next] == decile)
                {
                    next++;
                }

                if (next < sorted.Length && (next - first) * (long)Bins >= sorted.Length)
                {
                    candidates.Add(sorted[next]);
                }
            }
        }

        var smallest = sorted[0];
        return [.. candidates.Where(e => float.IsFinite(e) && e > smallest).Distinct().Order()];
    }
}
