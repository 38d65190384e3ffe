using BenchmarkDotNet.Attributes;
using FraudStream.Core.Models;

namespace FraudStream.Bench.HotPath;

/// <summary>
/// The drift monitor's binning, per value: <see cref="BinnedDistribution.BinOf"/> (eight edges at a time where the CPU
/// compares vectors) against counting the edges one at a time, as it did before; decile edges (9) and the most a
/// reference may have (64). The drift monitor bins every tracked feature of every scored row (about 60 a row).
/// </summary>
[Config(typeof(HotPathConfig))]
public class DriftBinBenchmarks
{
    private const int Values = 4_096;

    private float[] _values = [];
    private float[] _edges = [];

    [Params(9, BinnedDistribution.MaxEdges)]
    public int Edges { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(11);
        _edges = [.. Enumerable.Range(0, Edges).Select(e => e - (Edges / 2f))];
        _values = [.. Enumerable.Range(0, Values).Select(_ => (float)((random.NextDouble() - 0.5) * (Edges + 4)))];
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Values)]
    public int OneEdgeAtATime()
    {
        var total = 0;
        foreach (var value in _values)
        {
            var bin = 0;
            foreach (var edge in _edges)
            {
                bin += edge <= value ? 1 : 0;
            }

            total += bin;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Values)]
    public int BinOf()
    {
        var total = 0;
        foreach (var value in _values)
        {
            total += BinnedDistribution.BinOf(_edges, value);
        }

        return total;
    }
}
