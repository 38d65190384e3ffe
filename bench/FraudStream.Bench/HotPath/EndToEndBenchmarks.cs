using BenchmarkDotNet.Attributes;
using FraudStream.Core.Features;
using FraudStream.Core.Transactions;
using FraudStream.XGBoost;

namespace FraudStream.Bench.HotPath;

/// <summary>
/// The scorer's hot path per transaction, from a decoded <see cref="Transaction"/> to an alert decision: features,
/// prediction, threshold; one transaction per call against a batch of 500.
/// </summary>
/// <remarks>
/// Set up as the scorer will be: the pipeline bound to the model's signature (<see cref="FeaturePipeline.For"/>),
/// buffers allocated once, the model's best rounds and validation-chosen threshold.
/// </remarks>
[Config(typeof(HotPathConfig))]
public class EndToEndBenchmarks
{
    private const int Batch = HotPathWorkload.BatchSize;

    private Booster? _booster;
    private FeaturePipeline _pipeline = FeaturePipeline.Full;
    private Transaction[] _transactions = [];
    private float[] _rows = [];
    private float[] _scores = [];
    private int _iterationEnd;
    private float _threshold;
    private int _next;

    /// <summary>XGBoost threads per prediction (the booster's nthread).</summary>
    [Params(1, 2)]
    public int ThreadCount { get; set; }

    private Booster Model => _booster ?? throw new InvalidOperationException("GlobalSetup has not run.");

    [GlobalSetup]
    public void Setup()
    {
        var model = HotPathWorkload.Train();
        _pipeline = FeaturePipeline.For(model.Pipeline);
        _booster = Booster.LoadModelFromBuffer(model.Model, ThreadCount);
        _iterationEnd = model.IterationEnd;
        _threshold = model.Threshold;
        _transactions = HotPathWorkload.Batch();
        _rows = new float[Batch * _pipeline.FeatureCount];
        _scores = new float[Batch];
    }

    [GlobalCleanup]
    public void Cleanup() => _booster?.Dispose();

    /// <summary>One transaction per call, cycling through the batch; returns 1 for an alert.</summary>
    [Benchmark(Baseline = true)]
    public int ScoreOne()
    {
        var transaction = _transactions[_next];
        _next = _next + 1 == Batch ? 0 : _next + 1;
        var width = _pipeline.FeatureCount;
        var row = _rows.AsSpan(0, width);
        var score = _scores.AsSpan(0, 1);
        _pipeline.Extract(transaction, row);
        Model.PredictDense(row, 1, width, score, iterationEnd: _iterationEnd);
        return score[0] >= _threshold ? 1 : 0;
    }

    /// <summary>The whole batch; returns the number of alerts.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int ScoreBatch500()
    {
        _pipeline.ExtractBatch(_transactions, [], _rows);
        Model.PredictDense(_rows, Batch, _pipeline.FeatureCount, _scores, iterationEnd: _iterationEnd);
        var alerts = 0;
        foreach (var score in _scores)
        {
            alerts += score >= _threshold ? 1 : 0;
        }

        return alerts;
    }
}
