using BenchmarkDotNet.Attributes;
using FraudStream.Core.Features;
using FraudStream.Core.Models;
using FraudStream.Core.Transactions;

namespace FraudStream.Bench.HotPath;

/// <summary>Feature extraction per transaction: one at a time, a batch of 500, and a batch through a model-bound, reordered pipeline.</summary>
/// <remarks>Every method walks the same 500 transactions, so the ratios compare the paths and not the data.</remarks>
[Config(typeof(HotPathConfig))]
public class FeaturePipelineBenchmarks
{
    private const int Batch = HotPathWorkload.BatchSize;

    private Transaction[] _transactions = [];
    private FeaturePipeline _reordered = FeaturePipeline.Full;
    private float[] _row = [];
    private float[] _rows = [];
    private float[] _reorderedRows = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _transactions = HotPathWorkload.Batch();

        // A model trained on fewer features, in another order: the pipeline then gathers from a full row on the stack.
        var full = FeaturePipeline.Full.FeatureNames;
        var subset = full.Reverse().Where((_, i) => i % 3 != 1).ToArray();
        _reordered = FeaturePipeline.For(new PipelineSignature(FeaturePipeline.CurrentVersion, subset));

        _row = new float[FeaturePipeline.Full.FeatureCount];
        _rows = new float[Batch * FeaturePipeline.Full.FeatureCount];
        _reorderedRows = new float[Batch * _reordered.FeatureCount];
        Console.WriteLine($"// reordered pipeline: {_reordered.FeatureCount} of {FeaturePipeline.Full.FeatureCount} features, {string.Join(", ", subset)}");
    }

    /// <summary>One transaction per call, cycling through the batch.</summary>
    [Benchmark(Baseline = true)]
    public float ExtractOne()
    {
        var transaction = _transactions[_next];
        _next = _next + 1 == Batch ? 0 : _next + 1;
        FeaturePipeline.Full.Extract(transaction, _row);
        return _row[0];
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public float ExtractBatch500()
    {
        FeaturePipeline.Full.ExtractBatch(_transactions, [], _rows);
        return _rows[^1];
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public float ExtractBatch500Reordered()
    {
        _reordered.ExtractBatch(_transactions, [], _reorderedRows);
        return _reorderedRows[^1];
    }
}
