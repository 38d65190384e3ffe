using BenchmarkDotNet.Attributes;
using FraudStream.Core.Features;
using FraudStream.XGBoost;

namespace FraudStream.Bench.HotPath;

/// <summary>
/// XGBoost prediction per row: in place (PredictDense) one row per call, in batches of 64 and 500, and through a
/// DMatrix built per batch; with 1 and 2 XGBoost threads.
/// </summary>
/// <remarks>
/// The rows are the features of the same 500 unseen transactions for every method, and predictions use the model's
/// best rounds (iterationEnd), as the scorer will. Setup checks that every path gives the same scores.
/// </remarks>
[Config(typeof(HotPathConfig))]
public class ScoringBenchmarks
{
    private const int Batch = HotPathWorkload.BatchSize;
    private const int SmallBatch = 64;

    private Booster? _booster;
    private float[] _rows = [];
    private float[] _scores = [];
    private int _columns;
    private int _iterationEnd;
    private int _next;

    /// <summary>XGBoost threads per prediction (the booster's nthread).</summary>
    [Params(1, 2)]
    public int ThreadCount { get; set; }

    private Booster Model => _booster ?? throw new InvalidOperationException("GlobalSetup has not run.");

    [GlobalSetup]
    public void Setup()
    {
        var model = HotPathWorkload.Train();
        var pipeline = FeaturePipeline.For(model.Pipeline);
        _booster = Booster.LoadModelFromBuffer(model.Model, ThreadCount);
        _iterationEnd = model.IterationEnd;
        _columns = pipeline.FeatureCount;
        _rows = new float[Batch * _columns];
        _scores = new float[Batch];
        pipeline.ExtractBatch(HotPathWorkload.Batch(), [], _rows);
        CheckPathsAgree();
    }

    [GlobalCleanup]
    public void Cleanup() => _booster?.Dispose();

    /// <summary>One row per call, cycling through the batch.</summary>
    [Benchmark(Baseline = true)]
    public float PredictDenseOneRow()
    {
        var row = _next;
        _next = _next + 1 == Batch ? 0 : _next + 1;
        Model.PredictDense(_rows.AsSpan(row * _columns, _columns), 1, _columns, _scores.AsSpan(row, 1), iterationEnd: _iterationEnd);
        return _scores[row];
    }

    [Benchmark(OperationsPerInvoke = SmallBatch)]
    public float PredictDenseBatch64()
    {
        Model.PredictDense(_rows.AsSpan(0, SmallBatch * _columns), SmallBatch, _columns, _scores, iterationEnd: _iterationEnd);
        return _scores[SmallBatch - 1];
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public float PredictDenseBatch500()
    {
        Model.PredictDense(_rows, Batch, _columns, _scores, iterationEnd: _iterationEnd);
        return _scores[Batch - 1];
    }

    /// <summary>The route PredictDense avoids: copy the batch into a native matrix, then predict on it.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public float DMatrixPredictBatch500()
    {
        using var matrix = DMatrix.FromDense(_rows, Batch, _columns);
        Model.Predict(matrix, _scores, iterationEnd: _iterationEnd);
        return _scores[Batch - 1];
    }

    // The paths must do the same work for their ratios to mean anything.
    private void CheckPathsAgree()
    {
        var inPlace = new float[Batch];
        var viaMatrix = new float[Batch];
        var oneByOne = new float[Batch];
        Model.PredictDense(_rows, Batch, _columns, inPlace, iterationEnd: _iterationEnd);
        using (var matrix = DMatrix.FromDense(_rows, Batch, _columns))
        {
            Model.Predict(matrix, viaMatrix, iterationEnd: _iterationEnd);
        }

        for (var i = 0; i < Batch; i++)
        {
            Model.PredictDense(_rows.AsSpan(i * _columns, _columns), 1, _columns, oneByOne.AsSpan(i, 1), iterationEnd: _iterationEnd);
        }

        for (var i = 0; i < Batch; i++)
        {
            if (Math.Abs(inPlace[i] - viaMatrix[i]) > 1e-6f || Math.Abs(inPlace[i] - oneByOne[i]) > 1e-6f)
            {
                throw new InvalidOperationException(
                    $"Row {i} scores {inPlace[i]} in a batch, {oneByOne[i]} alone and {viaMatrix[i]} through a DMatrix: the benchmarks would compare different work.");
            }
        }
    }
}
