using FraudStream.Training.Evaluation;

namespace FraudStream.Training.Tests;

public sealed class BinaryClassificationMetricsTests
{
    // Two genuine, two fraud; one fraud ranks below a genuine transaction.
    private static readonly float[] s_scores = [0.1f, 0.4f, 0.35f, 0.8f];
    private static readonly float[] s_labels = [0, 0, 1, 1];

    [Test]
    public void Roc_auc_is_the_share_of_fraud_genuine_pairs_ranked_right()
    {
        // Pairs (fraud, genuine): (0.35, 0.1) right, (0.35, 0.4) wrong, (0.8, 0.1) right, (0.8, 0.4) right → 3/4.
        Assert.That(BinaryClassificationMetrics.RocAuc(s_scores, s_labels), Is.EqualTo(0.75).Within(1e-12));
    }

    [Test]
    public void Average_precision_weights_precision_by_the_recall_each_threshold_adds()
    {
        // At 0.8: precision 1, recall 1/2. At 0.35: precision 2/3, recall 2/2 → 1/2 · 1 + 1/2 · 2/3.
        Assert.That(BinaryClassificationMetrics.AveragePrecision(s_scores, s_labels), Is.EqualTo(0.5 + 1.0 / 3).Within(1e-12));
    }

    [Test]
    public void Equal_scores_are_one_threshold()
    {
        float[] scores = [0.5f, 0.5f, 0.5f, 0.5f];

        Assert.Multiple(() =>
        {
            Assert.That(BinaryClassificationMetrics.RocAuc(scores, s_labels), Is.EqualTo(0.5));
            Assert.That(BinaryClassificationMetrics.AveragePrecision(scores, s_labels), Is.EqualTo(0.5), "a constant score has the base rate as its AP");
        });
    }

    [Test]
    public void A_perfect_ranking_scores_one()
    {
        float[] scores = [0.1f, 0.2f, 0.9f, 0.8f];

        Assert.Multiple(() =>
        {
            Assert.That(BinaryClassificationMetrics.RocAuc(scores, s_labels), Is.EqualTo(1));
            Assert.That(BinaryClassificationMetrics.AveragePrecision(scores, s_labels), Is.EqualTo(1));
        });
    }

    [Test]
    public void Without_both_classes_the_metrics_are_undefined()
    {
        float[] genuineOnly = [0, 0, 0, 0];

        Assert.Multiple(() =>
        {
            Assert.That(BinaryClassificationMetrics.RocAuc(s_scores, genuineOnly), Is.NaN);
            Assert.That(BinaryClassificationMetrics.AveragePrecision(s_scores, genuineOnly), Is.NaN);
        });
    }

    [Test]
    public void The_confusion_matrix_alerts_scores_at_or_above_the_threshold()
    {
        var confusion = BinaryClassificationMetrics.At(s_scores, s_labels, 0.35f);

        Assert.Multiple(() =>
        {
            Assert.That(confusion, Is.EqualTo(new ConfusionMatrix(TruePositives: 2, FalsePositives: 1, TrueNegatives: 1, FalseNegatives: 0)));
            Assert.That(confusion.Precision, Is.EqualTo(2.0 / 3));
            Assert.That(confusion.Recall, Is.EqualTo(1));
            Assert.That(confusion.F1, Is.EqualTo(0.8).Within(1e-12));
        });
    }

    [Test]
    public void The_best_F1_threshold_is_a_score_that_maximises_F1()
    {
        // Thresholds: 0.8 → F1 2/3; 0.4 → P 1/2 R 1/2 F1 1/2; 0.35 → F1 0.8; 0.1 → F1 2/3.
        Assert.That(BinaryClassificationMetrics.BestF1Threshold(s_scores, s_labels), Is.EqualTo(0.35f));
    }

    [Test]
    public void The_precision_target_picks_the_lowest_threshold_that_still_reaches_it()
    {
        Assert.Multiple(() =>
        {
            Assert.That(BinaryClassificationMetrics.ThresholdForPrecision(s_scores, s_labels, 1.0), Is.EqualTo(0.8f));
            Assert.That(BinaryClassificationMetrics.ThresholdForPrecision(s_scores, s_labels, 0.6), Is.EqualTo(0.35f));
            Assert.That(BinaryClassificationMetrics.ThresholdForPrecision([0.9f, 0.1f], [0, 1], 0.5), Is.EqualTo(0.1f));
            Assert.That(BinaryClassificationMetrics.ThresholdForPrecision([0.9f, 0.8f], [0, 0], 0.5), Is.Null, "no threshold has any fraud");
        });
    }
}
