using FraudStream.Core.Features;
using FraudStream.Core.Generation;
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
