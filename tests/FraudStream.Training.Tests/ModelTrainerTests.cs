using FraudStream.Core.Features;
using FraudStream.Core.Features.History;
using FraudStream.Simulation;
using FraudStream.Core.Transactions;
using FraudStream.Training.Data;

namespace FraudStream.Training.Tests;

/// <summary>
/// The trainer end to end on generated data, with negative controls: the same floor that a real model
/// clears must be out of reach when the labels are shuffled or the features carry nothing.
/// </summary>
public sealed class ModelTrainerTests
{
    // Far above the ~1% fraud base rate; what a model that learned nothing cannot reach.
    private const double PrAucFloor = 0.5;

    private static readonly TrainingOptions s_options = new() { MaxRounds = 150, EarlyStoppingRounds = 20 };
    private List<LabelledTransaction> _rows = null!;
    private TrainedModel _trained = null!;

    [OneTimeSetUp]
    public void TrainOnGeneratedData()
    {
        // This pipeline sees one transaction at a time: the fraud only history reveals is for the history pipeline's tests.
        var visible = FraudScenarios.Fraud.Except(FraudScenarios.HistoryOnly).ToList();
        _rows = new TransactionGenerator(new GeneratorOptions { Seed = 11, FraudRatio = 0.01, Scenarios = visible }).Generate(60_000).ToList();
        _trained = Train(_rows);
    }

    [Test]
    public void A_model_trained_on_generated_data_finds_the_fraud_in_the_test_period()
    {
        var test = _trained.Metadata.Metrics.Test;
        TestContext.Progress.WriteLine($"generated data: test PR-AUC {test.PrAuc:0.0000}, fraud rate {test.FraudRate:0.0000}");
        Assert.Multiple(() =>
        {
            Assert.That(test.PrAuc, Is.GreaterThan(PrAucFloor));
            Assert.That(test.PrAuc, Is.GreaterThan(20 * test.FraudRate), "far above the base rate");
            Assert.That(test.RocAuc, Is.GreaterThan(0.95));
            Assert.That(test.Recall, Is.GreaterThan(0.5));
            Assert.That(test.TruePositives + test.FalsePositives + test.TrueNegatives + test.FalseNegatives, Is.EqualTo(test.Rows));
            Assert.That(_trained.Metadata.Threshold, Is.InRange(0f, 1f));
        });
    }

    [Test]
    public void Negative_control_shuffled_labels_cannot_reach_the_floor()
    {
        var random = new Random(5);
        var labels = _rows.Select(r => r.IsFraud).OrderBy(_ => random.Next()).ToList();
        var shuffled = _rows.Select((r, i) => r with { IsFraud = labels[i] }).ToList();

        var trained = Train(shuffled);

        TestContext.Progress.WriteLine($"shuffled labels: test PR-AUC {trained.Metadata.Metrics.Test.PrAuc:0.0000}");
        Assert.That(trained.Metadata.Metrics.Test.PrAuc, Is.LessThan(PrAucFloor));
    }

    [Test]
    public void Negative_control_features_that_carry_nothing_cannot_reach_the_floor()
    {
        // Every transaction becomes the same transaction: the pipeline sees identical rows.
        var blank = _rows[0].Transaction;
        var broken = _rows.Select(r => r with { Transaction = blank with { TransactionId = r.Transaction.TransactionId, EventTime = r.Transaction.EventTime } }).ToList();

        var trained = Train(broken);

        TestContext.Progress.WriteLine($"blank features: test PR-AUC {trained.Metadata.Metrics.Test.PrAuc:0.0000}");
        Assert.That(trained.Metadata.Metrics.Test.PrAuc, Is.LessThan(PrAucFloor));
    }

    [Test]
    public void Metadata_records_the_pipeline_the_data_and_the_model_checksum()
    {
        var m = _trained.Metadata;
        Assert.Multiple(() =>
        {
            Assert.That(m.Pipeline, Is.EqualTo(FeaturePipeline.Full.Signature).Using<Core.Models.PipelineSignature>((a, b) =>
                a.Version == b.Version && a.FeatureNames.SequenceEqual(b.FeatureNames)));
            Assert.That(m.ModelSha256, Is.EqualTo(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(_trained.Model))));
            Assert.That(m.TrainingData.Rows, Is.EqualTo(_rows.Count));
            Assert.That(m.TrainingData.TrainRows + m.TrainingData.ValidationRows + m.TrainingData.TestRows, Is.EqualTo(_rows.Count));
            Assert.That(m.TrainingData.From, Is.EqualTo(_rows.Min(r => r.Transaction.EventTime)));
            Assert.That(m.Parameters["scale_pos_weight"], Is.Not.Empty);
            Assert.That(m.FeatureImportance.Keys, Is.SubsetOf(FeaturePipeline.Full.FeatureNames));
            Assert.That(_trained.Report, Does.Contain(m.Version).And.Contain("PR-AUC"));
        });
    }

    [Test]
    public void The_drift_reference_bins_each_feature_of_the_training_rows_with_shares_that_sum_to_one()
    {
        var reference = _trained.Metadata.DriftReference!;
        var (train, _) = Matrices();
        var names = _trained.Metadata.Pipeline.FeatureNames;

        Assert.Multiple(() =>
        {
            Assert.That(reference.FeatureRows, Is.EqualTo(train.Rows));
            Assert.That(reference.Features.Select(f => f.Name), Is.EqualTo(names.Where(n => !FeaturePipeline.IsCalendarFeature(n))), "every feature but the calendar ones, in column order");
            Assert.That(reference.Features.Single(f => f.Name == "amount").Bins.Edges, Has.Count.EqualTo(ReferenceDistributions.Bins - 1), "deciles of a continuous feature");
            Assert.That(reference.Features.Single(f => f.Name == "channel_pos").Bins.Edges, Is.EqualTo(new[] { 1f }), "one bin per value of a flag");
            Assert.That(reference.Features.Single(f => f.Name == "distance_from_home_km").Bins.Missing, Is.GreaterThan(0), "missing coordinates have their own bin");
            foreach (var feature in reference.Features)
            {
                var bins = feature.Bins;
                Assert.That(bins.Proportions.Sum() + bins.Missing, Is.EqualTo(1).Within(1e-9), feature.Name);
                var column = names.ToList().IndexOf(feature.Name);
                var values = Enumerable.Range(0, train.Rows).Select(r => train.Features[(r * train.Columns) + column]).ToList();
                Assert.That(bins.Missing, Is.EqualTo(values.Count(float.IsNaN) / (double)train.Rows).Within(1e-12), feature.Name);
                Assert.That(bins.Proportions, Is.EqualTo(Shares(values, bins.Edges, train.Rows)).Within(1e-12), feature.Name);
            }
        });
    }

    [Test]
    public void The_drift_reference_bins_the_models_scores_on_the_test_rows()
    {
        var metadata = _trained.Metadata;
        var score = metadata.DriftReference!.Score;
        var (_, test) = Matrices();
        using var booster = XGBoost.Booster.LoadModelFromBuffer(_trained.Model, 1);
        var scores = new float[test.Rows];
        booster.PredictDense(test.Features, test.Rows, test.Columns, scores, iterationEnd: metadata.BestIteration + 1);

        Assert.Multiple(() =>
        {
            Assert.That(metadata.DriftReference.ScoreRows, Is.EqualTo(metadata.TrainingData.TestRows));
            Assert.That(score.Edges, Has.Count.EqualTo(ReferenceDistributions.Bins - 1));
            Assert.That(score.Missing, Is.Zero);
            Assert.That(score.Proportions.Sum(), Is.EqualTo(1).Within(1e-9));
            Assert.That(score.Proportions, Is.EqualTo(Shares(scores, score.Edges, scores.Length)).Within(1e-12));
            Assert.That(score.Proportions, Has.All.InRange(0.05, 0.15), "deciles: about a tenth of the rows each");
        });
    }

    /// <summary>The share of <paramref name="rows"/> in each bin, counted by the bins' definition (a value's bin is the number of edges at or below it).</summary>
    private static double[] Shares(IEnumerable<float> values, IReadOnlyList<float> edges, int rows)
    {
        var counts = new int[edges.Count + 1];
        foreach (var value in values.Where(v => !float.IsNaN(v)))
        {
            counts[edges.Count(e => e <= value)]++;
        }

        return Array.ConvertAll(counts, c => c / (double)rows);
    }

    [Test]
    public void The_managed_evaluator_scores_the_trainers_model_exactly_as_XGBoost()
    {
        // Arrange: the trainer's own model (its default parameters, the history pipeline, early stopping) on every row.
        using var booster = XGBoost.Booster.LoadModelFromBuffer(_trained.Model, threadCount: 1);
        var forest = XGBoost.Flat.FlatForest.FromBooster(booster);
        var iterationEnd = _trained.Metadata.BestIteration + 1;
        var (train, test) = Matrices();

        Assert.Multiple(() =>
        {
            foreach (var rows in new[] { train, test })
            {
                var native = new float[rows.Rows];
                var managed = new float[rows.Rows];

                // Act
                booster.PredictDense(rows.Features, rows.Rows, rows.Columns, native, iterationEnd: iterationEnd);
                forest.Predict(rows.Features, rows.Rows, rows.Columns, managed, iterationEnd);

                // Assert
                var differing = Enumerable.Range(0, rows.Rows).Count(i => BitConverter.SingleToInt32Bits(native[i]) != BitConverter.SingleToInt32Bits(managed[i]));
                Assert.That(differing, Is.Zero, $"rows scored differently of {rows.Rows}");
                Assert.That(rows.Features.Count(float.IsNaN), Is.GreaterThan(0), "the rows have missing values");
            }

            Assert.That(forest.Disagreement(booster, iterationEnd), Is.Null);
        });
    }

    [Test]
    public void The_managed_evaluator_explains_the_trainers_model_exactly_as_XGBoost()
    {
        // Arrange: approximate contributions of the test rows (the scorer and the api explain alerts with these).
        using var booster = XGBoost.Booster.LoadModelFromBuffer(_trained.Model, threadCount: 1);
        var forest = XGBoost.Flat.FlatForest.FromBooster(booster);
        var iterationEnd = _trained.Metadata.BestIteration + 1;
        var (_, test) = Matrices();
        var native = new float[test.Rows * (test.Columns + 1)];
        var managed = new float[native.Length];

        // Act
        booster.PredictContributions(test.Features, test.Rows, test.Columns, native, iterationEnd: iterationEnd, approximate: true);
        forest.PredictApproximateContributions(test.Features, test.Rows, test.Columns, managed, iterationEnd);

        // Assert
        var differing = Enumerable.Range(0, native.Length).Count(i => BitConverter.SingleToInt32Bits(native[i]) != BitConverter.SingleToInt32Bits(managed[i]));
        Assert.Multiple(() =>
        {
            Assert.That(differing, Is.Zero, $"contributions differing of {native.Length}");
            Assert.That(forest.ContributionDisagreement(booster, iterationEnd), Is.Null);
        });
    }

    /// <summary>The training and test rows' features, as the trainer built them.</summary>
    private (FeatureMatrix Train, FeatureMatrix Test) Matrices()
    {
        var ordered = _rows.OrderBy(r => r.Transaction.EventTime).ToList();
        var history = HistoryReplay.Compute(ordered, s_options.History, s_options.LabelDelay);
        var split = TimeSplit.ByEventTime(ordered, s_options.TrainShare, s_options.ValidationShare);
        var pipeline = FeaturePipeline.WithHistory(s_options.History);
        var h = HistoryFeatures.Count;
        return (
            FeatureMatrix.Build(pipeline, split.Train, history.AsSpan(0, split.Train.Count * h)),
            FeatureMatrix.Build(pipeline, split.Test, history.AsSpan((split.Train.Count + split.Validation.Count) * h)));
    }

    [Test]
    public void The_split_by_event_time_leaks_nothing_from_the_future()
    {
        var split = TimeSplit.ByEventTime(_rows);

        Assert.Multiple(() =>
        {
            Assert.That(split.Train.Max(r => r.Transaction.EventTime), Is.LessThan(split.Validation.Min(r => r.Transaction.EventTime)));
            Assert.That(split.Validation.Max(r => r.Transaction.EventTime), Is.LessThan(split.Test.Min(r => r.Transaction.EventTime)));
            Assert.That(split.Train.Count + split.Validation.Count + split.Test.Count, Is.EqualTo(_rows.Count));
        });
    }

    [Test]
    public void Data_without_fraud_in_a_split_is_refused_with_what_to_do()
    {
        var genuineOnly = _rows.Where(r => !r.IsFraud).ToList();

        var error = Assert.Throws<ArgumentException>(() => TimeSplit.ByEventTime(genuineOnly));

        Assert.That(error!.Message, Does.Contain("needs both fraud and genuine transactions"));
    }

    private static TrainedModel Train(IReadOnlyList<LabelledTransaction> rows) =>
        new ModelTrainer(s_options, TimeProvider.System).Train(rows, "generated", new string('0', 64));
}
