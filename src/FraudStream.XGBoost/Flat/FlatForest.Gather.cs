using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FraudStream.XGBoost.Flat;

// This file: the walks with AVX2 gathers: eight rows at once through each tree, or one row through eight trees at once.
public sealed partial class FlatForest
{
    /// <summary>Rows one vector walks at once: the lanes of a 256-bit vector of int32.</summary>
    private const int Lanes = 8;

    /// <summary>
    /// The nodes again for <see cref="AccumulateGathered"/>, two ints each: the threshold's bits, then the feature (15
    /// bits), <see cref="FlatNode.MissingLeft"/> (bit 15) and the left child's offset from the node (signed, 16 bits;
    /// a leaf's is -1, as its right way leads back to it), so a step makes two gathers for the node (one cache line)
    /// and one for the feature values. Measured against four ints per node (feature, threshold, left, missing: four
    /// gathers a step), 0.72 against 1.25 µs a row; one 64-bit gather of both ints, split by permutes, 1.55. Null when
    /// a forest does not fit (32,768 features or more, or a tree too wide for the offset): its rows all take the
    /// scalar walk.
    /// </summary>
    private readonly int[]? _pairs;

    /// <summary>Whether this machine's CPU has the AVX2 gathers the eight-row walk needs.</summary>
    public static bool GathersSupported => Avx2.IsSupported;

    /// <summary>Whether whole groups of eight rows take the gathered walk (AVX2 here, and the forest fits).</summary>
    internal bool Gathers => UseGathers(allowed: true);

    private static int[]? Pairs(FlatNode[] nodes)
    {
        var pairs = new int[nodes.Length * 2];
        for (var i = 0; i < nodes.Length; i++)
        {
            var node = nodes[i];
            var offset = node.Left - i;
            if (node.Feature is < 0 or > short.MaxValue || offset is < short.MinValue or > short.MaxValue)
            {
                return null;
            }

            var high = node.Feature | (node.MissingLeft << 15) | (offset << 16);
            pairs[2 * i] = BitConverter.SingleToInt32Bits(node.Value);
            pairs[(2 * i) + 1] = high;
        }

        return pairs;
    }

    /// <summary>
    /// Adds the trees' leaves to the margins of <paramref name="count"/> rows (a multiple of <see cref="Lanes"/>, at most
    /// a block), eight rows per vector: each step gathers the eight rows' nodes and feature values, compares in float32
    /// exactly as <see cref="Step"/> does (NaN compares false, then takes the node's missing direction), and the block's
    /// vectors walk side by side (independent gathers the CPU overlaps). Each row still adds its trees' leaves one tree
    /// after the other in float32, so its margin is bit for bit the scalar walk's.
    /// </summary>
    [SkipLocalsInit]
    private unsafe void AccumulateGathered(ReadOnlySpan<float> block, int count, int columns, Span<float> output, int treeEnd)
    {
        var vectors = count / Lanes;
        Span<Vector256<int>> at = stackalloc Vector256<int>[BlockRows / Lanes];
        Span<Vector256<int>> rowStarts = stackalloc Vector256<int>[BlockRows / Lanes];
        Span<Vector256<float>> margins = stackalloc Vector256<float>[BlockRows / Lanes];
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        for (var v = 0; v < vectors; v++)
        {
            rowStarts[v] = (lane + Vector256.Create(v * Lanes)) * columns;
            margins[v] = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(output), (nuint)(v * Lanes));
        }

        fixed (int* pairs = _pairs)
        fixed (float* leaves = _leafValues)
        fixed (float* rows = block)
        {
            for (var tree = 0; tree < treeEnd; tree++)
            {
                at[..vectors].Fill(Vector256.Create(_roots[tree]));
                var depth = _depths[tree];
                for (var step = 0; step < depth; step++)
                {
                    for (var v = 0; v < vectors; v++)
                    {
                        at[v] = Step8(pairs, rows, at[v], rowStarts[v]);
                    }
                }

                var weight = _treeWeights is null ? 0f : _treeWeights[tree];
                for (var v = 0; v < vectors; v++)
                {
                    var leaf = Avx2.GatherVector256(leaves, at[v], 4);
                    margins[v] = _treeWeights is null ? margins[v] + leaf : margins[v] + (((Vector256.Create(_baseMargin) + leaf) - Vector256.Create(_baseMargin)) * weight);
                }
            }
        }

        for (var v = 0; v < vectors; v++)
        {
            margins[v].StoreUnsafe(ref MemoryMarshal.GetReference(output), (nuint)(v * Lanes));
        }
    }

    /// <summary>
    /// Adds the trees' leaves to one row's <paramref name="margin"/>, eight trees per vector (one tree per lane) and
    /// up to four vectors side by side: each step gathers the lanes' nodes, then the row's values of their features.
    /// The leaves are then added one tree after the other, so the margin is bit for bit the scalar walk's.
    /// </summary>
    [SkipLocalsInit]
    private unsafe float AccumulateRow(ReadOnlySpan<float> row, float margin, int treeEnd)
    {
        const int Vectors = 4;
        Span<Vector256<int>> at = stackalloc Vector256<int>[Vectors];
        Span<float> leafValues = stackalloc float[Group];
        var tree = 0;
        fixed (int* pairs = _pairs)
        fixed (int* roots = _roots)
        fixed (float* leaves = _leafValues)
        fixed (float* values = row)
        {
            while (tree + Group <= treeEnd)
            {
                var vectors = Math.Min(Vectors, (treeEnd - tree) / Group);
                var depth = 0;
                for (var v = 0; v < vectors; v++)
                {
                    at[v] = Vector256.Load(roots + tree + (v * Group));
                    depth = Math.Max(depth, _groupDepths[(tree / Group) + v]);
                }

                for (var step = 0; step < depth; step++)
                {
                    for (var v = 0; v < vectors; v++)
                    {
                        at[v] = Step8(pairs, values, at[v], Vector256<int>.Zero); // every lane reads the one row
                    }
                }

                for (var v = 0; v < vectors; v++)
                {
                    Avx2.GatherVector256(leaves, at[v], 4).CopyTo(leafValues);
                    foreach (var leaf in leafValues)
                    {
                        margin += _treeWeights is null ? leaf : ((_baseMargin + leaf) - _baseMargin) * _treeWeights[tree];
                        tree++;
                    }
                }
            }
        }

        // Fewer than eight trees left: one at a time.
        ref var nodes = ref MemoryMarshal.GetArrayDataReference(_nodes);
        ref var x = ref MemoryMarshal.GetReference(row);
        for (; tree < treeEnd; tree++)
        {
            var i = _roots[tree];
            for (var step = 0; step < _depths[tree]; step++)
            {
                i = Step(ref nodes, i, ref x);
            }

            Add(ref margin, i, tree);
        }

        return margin;
    }

    /// <summary>
    /// One step of eight walks at once, as <see cref="Step"/> takes one: gathers the lanes' nodes from
    /// <paramref name="pairs"/> and then their features' values at <paramref name="values"/> + each lane's offset.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> Step8(int* pairs, float* values, Vector256<int> node, Vector256<int> offsets)
    {
        var threshold = Avx2.GatherVector256((float*)pairs, node, 8);
        var packed = Avx2.GatherVector256(pairs + 1, node, 8);
        var value = Avx2.GatherVector256(values, offsets + (packed & Vector256.Create((int)short.MaxValue)), 4);

        // All ones where the row goes left: below the threshold, or missing where missing goes left (bit 15).
        var below = Avx.CompareLessThan(value, threshold).AsInt32();
        var missing = Avx.CompareUnordered(value, value).AsInt32();
        var left = below | (missing & ((packed << 16) >> 31));

        // Next node: the right child (the node plus its left child's offset, plus one), less one when going left.
        return node + (packed >> 16) + Vector256<int>.One + left;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool UseGathers(bool allowed) => allowed && _pairs is not null && Avx2.IsSupported;
}
