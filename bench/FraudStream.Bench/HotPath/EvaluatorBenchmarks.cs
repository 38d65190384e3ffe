using BenchmarkDotNet.Attributes;
using FraudStream.Core.Features;
using FraudStream.XGBoost;
using FraudStream.XGBoost.Flat;

namespace FraudStream.Bench.HotPath;

/// <summary>
/// The two evaluators of `Model:Evaluator` side by side on the same model and rows: native XGBoost (in-place
/// PredictDense, 1 thread) and the managed <see cref="FlatForest"/>; one row per call, batches of 64 and 500; the
/// managed paths also on the scalar walk (without AVX2 gathers).
/// </summary>
/// <remarks>Setup checks that both give the same scores bit for bit, so the ratios compare the same work.</remarks>
[Config(typeof(HotPathConfig))]
public class EvaluatorBenchmarks
{
    private const int Batch = HotPathWorkload.BatchSize;
    private const int SmallBatch = 64;

    private Booster? _booster;
    private FlatForest? _forest;
    private float[] _rows = [];
    private float[] _scores = [];
    private float[] _contributions = [];
    private int _columns;
    private int _iterationEnd;
    private int _next;

    private Booster Native => _booster ?? throw new InvalidOperationException("GlobalSetup has not run.");

    private FlatForest Managed => _forest ?? throw new InvalidOperationException("GlobalSetup has not run.");

    [GlobalSetup]
    public void Setup()
    {
        var model = HotPathWorkload.Train();
        var pipeline = FeaturePipeline.For(model.Pipeline);
        _booster = Booster.LoadModelFromBuffer(model.Model, threadCount: 1);
        _forest = FlatForest.FromBooster(_booster);
        _iterationEnd = model.IterationEnd;
        _columns = pipeline.FeatureCount;
        _rows = new float[Batch * _columns];
        _scores = new float[Batch];
        _contributions = new float[_columns + 1];
        pipeline.ExtractBatch(HotPathWorkload.Batch(), [], _rows);
        var native = new float[Batch];
        Native.PredictDense(_rows, Batch, _columns, native, iterationEnd: _iterationEnd);
        Managed.Predict(_rows, Batch, _columns, _scores, _iterationEnd);
        if (!native.AsSpan().SequenceEqual(_scores) || Managed.Disagreement(Native, _iterationEnd) is not null)
        {
            throw new InvalidOperationException("The managed evaluator's scores differ from XGBoost's: the benchmarks would compare different work.");
        }

        Console.WriteLine($"// evaluator model: {Managed.TreeCount} trees, scoring with the first {_iterationEnd} rounds");
    }

    [GlobalCleanup]
    public void Cleanup() => _booster?.Dispose();

    /// <summary>Native, one row per call, cycling through the batch.</summary>
    [Benchmark(Baseline = true)]
    public float NativeOneRow()
    {
        var row = Next();
        Native.PredictDense(_rows.AsSpan(row * _columns, _columns), 1, _columns, _scores.AsSpan(row, 1), iterationEnd: _iterationEnd);
        return _scores[row];
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public float NativeBatch500()
    {
        Native.PredictDense(_rows, Batch, _columns, _scores, iterationEnd: _iterationEnd);
        return _scores[Batch - 1];
    }

    /// <summary>Managed, one row per call, cycling through the batch.</summary>
    [Benchmark]
    public float ManagedOneRow()
    {
        var row = Next();
        Managed.Predict(_rows.AsSpan(row * _columns, _columns), 1, _columns, _scores.AsSpan(row, 1), _iterationEnd);
        return _scores[row];
    }

    [Benchmark(OperationsPerInvoke = SmallBatch)]
    public float ManagedBatch64()
    {
        Managed.Predict(_rows.AsSpan(0, SmallBatch * _columns), SmallBatch, _columns, _scores, _iterationEnd);
        return _scores[SmallBatch - 1];
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public float ManagedBatch500()
    {
        Managed.Predict(_rows, Batch, _columns, _scores, _iterationEnd);
        return _scores[Batch - 1];
    }

    /// <summary>Managed, one row per call, on the scalar walk (eight trees at a time, no gathers).</summary>
    [Benchmark]
    public float ManagedOneRowScalarWalk()
    {
        var row = Next();
        Managed.Predict(_rows.AsSpan(row * _columns, _columns), 1, _columns, _scores.AsSpan(row, 1), _iterationEnd, gathers: false);
        return _scores[row];
    }

    /// <summary>Managed without the gathered walks: every row walks alone (eight trees at a time), as before them.</summary>
    [Benchmark(OperationsPerInvoke = SmallBatch)]
    public float ManagedBatch64ScalarWalk()
    {
        Managed.Predict(_rows.AsSpan(0, SmallBatch * _columns), SmallBatch, _columns, _scores, _iterationEnd, gathers: false);
        return _scores[SmallBatch - 1];
    }

    /// <inheritdoc cref="ManagedBatch64ScalarWalk"/>
    [Benchmark(OperationsPerInvoke = Batch)]
    public float ManagedBatch500ScalarWalk()
    {
        Managed.Predict(_rows, Batch, _columns, _scores, _iterationEnd, gathers: false);
        return _scores[Batch - 1];
    }

    /// <summary>Approximate contributions of one row (an alert's explanation), native: a DMatrix and a libxgboost call.</summary>
    [Benchmark]
    public float NativeContributionsOneRow()
    {
        var row = Next();
        Native.PredictContributions(_rows.AsSpan(row * _columns, _columns), 1, _columns, _contributions, iterationEnd: _iterationEnd, approximate: true);
        return _contributions[_columns];
    }

    /// <summary>The same contributions from the managed forest (bit for bit the native ones).</summary>
    [Benchmark]
    public float ManagedContributionsOneRow()
    {
        var row = Next();
        Managed.PredictApproximateContributions(_rows.AsSpan(row * _columns, _columns), 1, _columns, _contributions, _iterationEnd);
        return _contributions[_columns];
    }

    private int Next()
    {
        var row = _next;
        _next = _next + 1 == Batch ? 0 : _next + 1;
        return row;
    }
}
