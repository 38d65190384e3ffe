using System.Runtime.InteropServices;

namespace FraudStream.XGBoost.Flat;

// This file: approximate (Saabas) feature contributions, as libxgboost's PredictContributions(approximate) gives them.
public sealed partial class FlatForest
{
    /// <summary>Whether the model carried the hessian sums <see cref="PredictApproximateContributions"/> needs.</summary>
    public bool Explains => _means is not null;

    /// <summary>
    /// Approximate feature contributions (Saabas: along each row's path, the change of the node mean at each split goes
    /// to the split's feature), columns + 1 values per row with the bias last, bit for bit as
    /// <see cref="Booster.PredictContributions"/> with <c>approximate</c> gives them on the same rows (NaN = missing):
    /// per tree, contributions gathered in float32 and then added to the row's, each times the tree's dart weight;
    /// the base margin added to the bias last. Allocates nothing for up to 256 columns.
    /// </summary>
    /// <exception cref="InvalidOperationException">The forest cannot explain (<see cref="Explains"/> is false).</exception>
    /// <exception cref="ArgumentException">The span lengths do not match, or columns differ from <see cref="FeatureCount"/>.</exception>
    public int PredictApproximateContributions(ReadOnlySpan<float> features, int rows, int columns, Span<float> contributions, int iterationEnd = 0)
    {
        var means = _means ?? throw new InvalidOperationException("The model's trees carry no hessian sums (sum_hessian), so the managed evaluator cannot explain its scores.");
        Shapes.RequireDense(features.Length, rows, columns, nameof(features));
        Shapes.RequireCapacity(contributions.Length, (long)rows * (columns + 1), nameof(contributions));
        if (columns != FeatureCount)
        {
            throw new ArgumentException($"The model has {FeatureCount} features but the rows have {columns} columns.", nameof(columns));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(iterationEnd);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterationEnd, BoostedRounds);
        var treeEnd = iterationEnd == 0 ? _roots.Length : iterationEnd * _treesPerRound;
        var width = columns + 1;
        var perTree = width <= 256 ? stackalloc float[width] : new float[width];
        var touched = _deepest < 64 ? stackalloc int[_deepest + 1] : new int[_deepest + 1];
        perTree.Clear();
        ref var nodes = ref MemoryMarshal.GetArrayDataReference(_nodes);
        for (var row = 0; row < rows; row++)
        {
            ref var x = ref MemoryMarshal.GetReference(features.Slice(row * columns, columns));
            var output = contributions.Slice(row * width, width);
            output.Clear();
            for (var tree = 0; tree < treeEnd; tree++)
            {
                var i = _roots[tree];
                var nodeValue = means[i];
                perTree[columns] += nodeValue;
                touched[0] = columns;
                var count = 1;
                while (_nodes[i].Left > i) // a leaf leads back to itself (Left = its index - 1)
                {
                    var split = _nodes[i].Feature;
                    i = Step(ref nodes, i, ref x);
                    var value = means[i];
                    perTree[split] += value - nodeValue;
                    nodeValue = value;
                    touched[count++] = split;
                }

                // XGBoost then adds the leaf's value less its mean to the last split's feature: always zero, left out.
                // It adds every column of the tree's contributions (times the dart weight) to the row's; the columns off
                // the path hold +0, which changes nothing, so only the path's are added (a column split on twice is
                // added once, then holds +0 again).
                var weight = _treeWeights is null ? 1f : _treeWeights[tree];
                foreach (var c in touched[..count])
                {
                    output[c] += perTree[c] * weight;
                    perTree[c] = 0;
                }
            }

            output[columns] += _baseMargin;
        }

        return rows * width;
    }

    /// <summary>
    /// Compares <see cref="PredictApproximateContributions"/> with <paramref name="booster"/>'s on the load-time check
    /// rows (infinities made missing: XGBoost's DMatrix refuses them), every bit; null when equal, else one sentence.
    /// </summary>
    public string? ContributionDisagreement(Booster booster, int iterationEnd = 0)
    {
        ArgumentNullException.ThrowIfNull(booster);
        if (!Explains)
        {
            return "The model's trees carry no hessian sums.";
        }

        var features = CheckFeatures();
        for (var i = 0; i < features.Length; i++)
        {
            features[i] = float.IsInfinity(features[i]) ? float.NaN : features[i];
        }

        var width = FeatureCount + 1;
        var native = new float[CheckRows * width];
        var managed = new float[CheckRows * width];
        booster.PredictContributions(features, CheckRows, FeatureCount, native, iterationEnd: iterationEnd, approximate: true);
        PredictApproximateContributions(features, CheckRows, FeatureCount, managed, iterationEnd);
        for (var k = 0; k < native.Length; k++)
        {
            if (BitConverter.SingleToInt32Bits(native[k]) != BitConverter.SingleToInt32Bits(managed[k]))
            {
                return $"The managed evaluator's contribution {k % width} of check row {k / width} is {managed[k]:R} where XGBoost {XGBoostLibrary.Version} gives {native[k]:R}.";
            }
        }

        return null;
    }
}
