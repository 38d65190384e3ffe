using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FraudStream.XGBoost.Flat;

/// <summary>
/// A booster's trees flattened into one array and evaluated in managed code, giving bit for bit the float32
/// predictions of libxgboost 1.7.4's in-place prediction (<see cref="Booster.PredictDense"/>) without a native call.
/// </summary>
/// <remarks>
/// <para>
/// <b>Exactly XGBoost's arithmetic.</b> A split sends a row left when <c>feature &lt; threshold</c> (float32 compare),
/// a missing (NaN) feature the tree's default way; each row's margin starts at the base margin and adds the trees'
/// leaves one tree after the other in float32, as XGBoost's CPU predictor does; dart adds
/// <c>((base + leaf) - base) × weight</c> per tree, as its in-place prediction does; then the objective's
/// transformation (<see cref="FlatObjective"/>). Only NaN marks a missing value (the scorer's convention).
/// </para>
/// <para>
/// <b>Supported.</b> gbtree and dart boosters with numerical splits, any tree method and num_parallel_tree, one
/// output per row, objectives binary:logistic, reg:logistic, binary:logitraw and reg:squarederror. Anything else is
/// refused when the forest is built (<see cref="UnsupportedModelException"/>), so a caller can keep native XGBoost.
/// </para>
/// <para>
/// <b>Layout.</b> Each tree's nodes are stored breadth-first (a split's right child follows its left one). A leaf is a
/// fixed point of a step (its threshold is NaN and its right way leads back to it) with its value kept aside, so every
/// row takes exactly its trees' depth in steps, without a leaf test or a branch. Rows are scored in blocks of 64 (the
/// trees stay in cache for the whole block). Where the CPU has AVX2 (FlatForest.Gather.cs), each whole group of eight
/// rows walks the trees together, one row per lane of a vector, and each remaining row (one /predict request, a
/// batch's last rows) walks eight trees per vector, one tree per lane; either way a step reads nodes and feature values
/// with gathers (on the benchmark's model 0.69 µs a row in batches and 1.10 µs for one row, against 1.68 and 1.97 for
/// the scalar walk). The scalar walk, without AVX2, takes one row at a time through eight trees at once (the CPU
/// overlaps their memory reads; eight measured 1.6 µs a row against four's 2.1). All add each row's leaves in tree
/// order, so they give the same bits.
/// </para>
/// <para>Immutable once built: any number of threads may predict at once.</para>
/// </remarks>
public sealed partial class FlatForest
{
    private const int BlockRows = 64;

    /// <summary>Trees each row walks at once.</summary>
    private const int Group = 8;

    private readonly FlatNode[] _nodes;
    private readonly float[] _leafValues;
    private readonly int[] _roots;
    private readonly int[] _depths;
    private readonly int[] _groupDepths;
    private readonly int _deepest;
    private readonly float[]? _treeWeights;
    private readonly int _treesPerRound;
    private readonly FlatTransform _transform;
    private readonly float _baseMargin;
    private readonly float[]? _means;

    private FlatForest(FlatForestReader.Parts parts)
    {
        _roots = parts.Roots;
        _treeWeights = parts.TreeWeights;
        _treesPerRound = parts.TreesPerRound;
        _transform = parts.Transform;
        _baseMargin = parts.BaseMargin;
        _means = parts.Means;
        FeatureCount = parts.FeatureCount;
        Objective = parts.Objective;
        (_nodes, _leafValues, _depths) = WithFixedPointLeaves(parts.Nodes, parts.Roots);
        _pairs = Pairs(_nodes);
        _deepest = _depths.Length == 0 ? 0 : _depths.Max();
        _groupDepths = new int[_roots.Length / Group];
        for (var group = 0; group < _groupDepths.Length; group++)
        {
            _groupDepths[group] = _depths.AsSpan(group * Group, Group).ToArray().Max();
        }
    }

    /// <summary>Number of feature columns each row must have.</summary>
    public int FeatureCount { get; }

    /// <summary>The model's objective, e.g. binary:logistic.</summary>
    public string Objective { get; }

    /// <summary>Number of trees.</summary>
    public int TreeCount => _roots.Length;

    /// <summary>Boosting rounds in the model; an iterationEnd may be at most this.</summary>
    public int BoostedRounds => _roots.Length / _treesPerRound;

    /// <summary>Flattens the trees of a loaded booster (through its JSON serialization).</summary>
    /// <exception cref="UnsupportedModelException">The managed evaluator does not reproduce this kind of model; the message says why in one sentence.</exception>
    /// <exception cref="XGBoostException">XGBoost could not serialize the booster.</exception>
    public static FlatForest FromBooster(Booster booster)
    {
        ArgumentNullException.ThrowIfNull(booster);
        return FromJson(booster.SaveModelToBuffer(ModelFormat.Json));
    }

    /// <summary>Flattens the trees of an XGBoost JSON model.</summary>
    /// <exception cref="UnsupportedModelException">The model is not one the managed evaluator reproduces, or its trees cannot be read.</exception>
    public static FlatForest FromJson(ReadOnlySpan<byte> json) => new(FlatForestReader.Read(json));

    /// <summary>
    /// Scores a batch of row-major features (NaN = missing), as <see cref="Booster.PredictDense"/> with missing NaN
    /// does, bit for bit. Allocates nothing.
    /// </summary>
    /// <param name="features">rows × columns values, row after row.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="columns">Number of columns; must equal <see cref="FeatureCount"/>.</param>
    /// <param name="scores">Receives one value per row.</param>
    /// <param name="iterationEnd">Use trees of rounds [0, iterationEnd) only; 0 = all.</param>
    /// <returns>Number of values written (<paramref name="rows"/>).</returns>
    /// <exception cref="ArgumentException">The span lengths do not match, or columns differ from <see cref="FeatureCount"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="iterationEnd"/> is negative or beyond the model's rounds.</exception>
    public int Predict(ReadOnlySpan<float> features, int rows, int columns, Span<float> scores, int iterationEnd = 0) =>
        Predict(features, rows, columns, scores, iterationEnd, gathers: true);

    /// <summary>As <see cref="Predict(ReadOnlySpan{float}, int, int, Span{float}, int)"/>, but the raw margin, as <see cref="Booster.PredictDenseMargin"/> gives it.</summary>
    public int PredictMargin(ReadOnlySpan<float> features, int rows, int columns, Span<float> margins, int iterationEnd = 0) =>
        PredictMargin(features, rows, columns, margins, iterationEnd, gathers: true);

    /// <summary>
    /// As <see cref="Predict(ReadOnlySpan{float}, int, int, Span{float}, int)"/>; <paramref name="gathers"/> false keeps every row on the scalar walk even where the
    /// CPU has AVX2 (for tests and benchmarks of the walks).
    /// </summary>
    internal int Predict(ReadOnlySpan<float> features, int rows, int columns, Span<float> scores, int iterationEnd, bool gathers)
    {
        var written = PredictMargin(features, rows, columns, scores, iterationEnd, gathers);
        FlatObjective.Apply(_transform, scores[..written]);
        return written;
    }

    /// <summary>As <see cref="PredictMargin(ReadOnlySpan{float}, int, int, Span{float}, int)"/>, choosing the walk (see <see cref="Predict(ReadOnlySpan{float}, int, int, Span{float}, int, bool)"/>).</summary>
    internal int PredictMargin(ReadOnlySpan<float> features, int rows, int columns, Span<float> margins, int iterationEnd, bool gathers)
    {
        Shapes.RequireDense(features.Length, rows, columns, nameof(features));
        Shapes.RequireCapacity(margins.Length, rows, nameof(margins));
        if (columns != FeatureCount)
        {
            throw new ArgumentException($"The model has {FeatureCount} features but the rows have {columns} columns.", nameof(columns));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(iterationEnd);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterationEnd, BoostedRounds);
        var treeEnd = iterationEnd == 0 ? _roots.Length : iterationEnd * _treesPerRound;
        for (var start = 0; start < rows; start += BlockRows)
        {
            var count = Math.Min(BlockRows, rows - start);
            var output = margins.Slice(start, count);
            output.Fill(_baseMargin);
            var block = features.Slice(start * columns, count * columns);

            // With AVX2: whole groups of eight rows walk together, each remaining row walks eight trees per vector.
            // Without it (or when told not to), every row takes the scalar walk.
            if (!UseGathers(gathers))
            {
                Accumulate(block, count, columns, output, treeEnd);
                continue;
            }

            var gathered = count / Lanes * Lanes;
            if (gathered > 0)
            {
                AccumulateGathered(block, gathered, columns, output, treeEnd);
            }

            for (var row = gathered; row < count; row++)
            {
                output[row] = AccumulateRow(block.Slice(row * columns, columns), output[row], treeEnd);
            }
        }

        return rows;
    }

    private void Accumulate(ReadOnlySpan<float> block, int count, int columns, Span<float> output, int treeEnd)
    {
        ref var nodes = ref MemoryMarshal.GetArrayDataReference(_nodes);
        ref var rows = ref MemoryMarshal.GetReference(block);
        var tree = 0;

        // Eight trees at a time for each row: eight independent walks the CPU overlaps, added in tree order.
        for (; tree + Group <= treeEnd; tree += Group)
        {
            var depth = _groupDepths[tree / Group];
            ref var roots = ref _roots[tree];
            for (var row = 0; row < count; row++)
            {
                ref var x = ref Unsafe.Add(ref rows, row * columns);
                int i0 = roots, i1 = Unsafe.Add(ref roots, 1), i2 = Unsafe.Add(ref roots, 2), i3 = Unsafe.Add(ref roots, 3);
                int i4 = Unsafe.Add(ref roots, 4), i5 = Unsafe.Add(ref roots, 5), i6 = Unsafe.Add(ref roots, 6), i7 = Unsafe.Add(ref roots, 7);
                for (var step = 0; step < depth; step++)
                {
                    i0 = Step(ref nodes, i0, ref x);
                    i1 = Step(ref nodes, i1, ref x);
                    i2 = Step(ref nodes, i2, ref x);
                    i3 = Step(ref nodes, i3, ref x);
                    i4 = Step(ref nodes, i4, ref x);
                    i5 = Step(ref nodes, i5, ref x);
                    i6 = Step(ref nodes, i6, ref x);
                    i7 = Step(ref nodes, i7, ref x);
                }

                ref var margin = ref output[row];
                Add(ref margin, i0, tree);
                Add(ref margin, i1, tree + 1);
                Add(ref margin, i2, tree + 2);
                Add(ref margin, i3, tree + 3);
                Add(ref margin, i4, tree + 4);
                Add(ref margin, i5, tree + 5);
                Add(ref margin, i6, tree + 6);
                Add(ref margin, i7, tree + 7);
            }
        }

        for (; tree < treeEnd; tree++)
        {
            var root = _roots[tree];
            var depth = _depths[tree];
            for (var row = 0; row < count; row++)
            {
                ref var x = ref Unsafe.Add(ref rows, row * columns);
                var i = root;
                for (var step = 0; step < depth; step++)
                {
                    i = Step(ref nodes, i, ref x);
                }

                Add(ref output[row], i, tree);
            }
        }
    }

    /// <summary>One step down a tree; a leaf steps to itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Step(ref FlatNode nodes, int index, ref float row)
    {
        // Without a branch: left when below the threshold, or when missing (NaN) and missing goes left.
        var node = Unsafe.Add(ref nodes, index);
        var value = Unsafe.Add(ref row, node.Feature);
        var left = (value < node.Value ? 1 : 0) | ((float.IsNaN(value) ? 1 : 0) & node.MissingLeft);
        return node.Left + 1 - left;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Add(ref float margin, int leaf, int tree)
    {
        var value = _leafValues[leaf];
        margin += _treeWeights is null ? value : ((_baseMargin + value) - _baseMargin) * _treeWeights[tree];
    }

    /// <summary>
    /// Turns each leaf into a fixed point of <see cref="Step"/> (feature 0, threshold NaN so the compare always fails,
    /// missing goes right, and Left + 1 is itself), keeps leaf values aside, and measures each tree's depth.
    /// </summary>
    private static (FlatNode[] Nodes, float[] LeafValues, int[] Depths) WithFixedPointLeaves(FlatNode[] nodes, int[] roots)
    {
        var leafValues = new float[nodes.Length];
        var levels = new int[nodes.Length];
        var depths = new int[roots.Length];
        var tree = 0;
        for (var i = 0; i < nodes.Length; i++)
        {
            while (tree + 1 < roots.Length && roots[tree + 1] <= i)
            {
                tree++;
            }

            var node = nodes[i];
            if (node.Feature < 0)
            {
                leafValues[i] = node.Value;
                nodes[i] = new FlatNode(0, float.NaN, i - 1, 0);
                depths[tree] = Math.Max(depths[tree], levels[i]);
            }
            else
            {
                // Breadth-first order: children come after their parent, so their level is set before they are visited.
                levels[node.Left] = levels[node.Left + 1] = levels[i] + 1;
            }
        }

        return (nodes, leafValues, depths);
    }
}
