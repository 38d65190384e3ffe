using FraudStream.XGBoost.Flat;
using FraudStream.XGBoost.Tests.Support;

namespace FraudStream.XGBoost.Tests;

/// <summary>
/// The managed evaluator against native XGBoost's in-place prediction, bit for bit, on every kind of model the trainer
/// can make (its defaults, and what its --param overrides reach: tree methods, growth policies, parallel trees,
/// base_score, the objectives it reproduces, dart), on data rows plus rows exactly on and either side of every split
/// threshold, NaN in each column, infinities and negative zero; in batches of every shape the evaluator treats apart.
/// </summary>
public sealed class FlatForestTests
{
    private const int Rounds = 30;

    public static IEnumerable<TestCaseData> Kinds()
    {
        static TestCaseData Kind(string name, params string[] parameters) =>
            new TestCaseData(parameters.Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1])).SetArgDisplayNames(name);

        // The trainer's defaults (TrainingOptions.DefaultParameters) with the class weight it computes.
        yield return Kind(
            "trainer defaults", "objective=binary:logistic", "tree_method=hist", "max_depth=6", "eta=0.1", "subsample=0.8",
            "colsample_bytree=0.8", "min_child_weight=1", "max_delta_step=1", "scale_pos_weight=3.7");
        yield return Kind("approx", "tree_method=approx", "max_depth=5");
        yield return Kind("exact", "tree_method=exact", "max_depth=5");
        yield return Kind("lossguide, unlimited depth", "grow_policy=lossguide", "max_leaves=48", "max_depth=0", "eta=0.1");
        yield return Kind("parallel trees", "num_parallel_tree=3", "subsample=0.7", "colsample_bynode=0.7");
        yield return Kind("base_score 0.3", "base_score=0.3");
        yield return Kind("reg:logistic", "objective=reg:logistic", "base_score=0.3");
        yield return Kind("binary:logitraw", "objective=binary:logitraw", "base_score=0.3");
        yield return Kind("reg:squarederror", "objective=reg:squarederror", "base_score=0.3");
        yield return Kind("dart", "booster=dart", "rate_drop=0.3", "skip_drop=0", "base_score=0.3");
        yield return Kind("dart, forest, weighted", "booster=dart", "rate_drop=0.2", "normalize_type=forest", "sample_type=weighted");
    }

    public static IEnumerable<TestCaseData> Refused()
    {
        yield return new TestCaseData(new Dictionary<string, string> { ["objective"] = "multi:softprob", ["num_class"] = "3" }, "one output per row")
            .SetArgDisplayNames("multi-class");
        yield return new TestCaseData(new Dictionary<string, string> { ["booster"] = "gblinear" }, "tree models").SetArgDisplayNames("gblinear");
        yield return new TestCaseData(new Dictionary<string, string> { ["objective"] = "binary:hinge" }, "not 'binary:hinge'").SetArgDisplayNames("binary:hinge");
        yield return new TestCaseData(new Dictionary<string, string> { ["objective"] = "count:poisson" }, "not 'count:poisson'").SetArgDisplayNames("count:poisson");
    }

    [TestCaseSource(nameof(Kinds))]
    public void Scores_and_margins_equal_native_XGBoost_bit_for_bit(Dictionary<string, string> parameters)
    {
        // Arrange
        using var booster = TestModels.TrainBooster(Rounds, parameters);
        var json = booster.SaveModelToBuffer(ModelFormat.Json);
        var rows = EdgeRows.Around(Dataset.Separable(500, seed: 12), EdgeRows.Thresholds(json));
        var forest = FlatForest.FromBooster(booster);

        // Act and assert: all rounds, and the first few as after early stopping.
        Assert.Multiple(() =>
        {
            Assert.That(forest.Disagreement(booster), Is.Null, "the load-time check");
            Assert.That(forest.Gathers, Is.EqualTo(FlatForest.GathersSupported), "whole groups of eight rows take the gathered walk");
            foreach (var iterationEnd in (ReadOnlySpan<int>)[0, 7])
            {
                var expected = new float[rows.Rows];
                var expectedMargins = new float[rows.Rows];
                booster.PredictDense(rows.Features, rows.Rows, rows.Columns, expected, iterationEnd: iterationEnd);
                booster.PredictDenseMargin(rows.Features, rows.Rows, rows.Columns, expectedMargins, iterationEnd: iterationEnd);
                foreach (var gathers in (ReadOnlySpan<bool>)[true, false])
                {
                    foreach (var batch in (ReadOnlySpan<int>)[rows.Rows, 1, 3, 8, 64, 67])
                    {
                        var walk = $"iterationEnd {iterationEnd}, batches of {batch}, {(gathers ? "gathered" : "scalar")} walk";
                        var scores = Batched((f, r, c, o, i) => forest.Predict(f, r, c, o, i, gathers), rows, batch, iterationEnd);
                        var margins = Batched((f, r, c, o, i) => forest.PredictMargin(f, r, c, o, i, gathers), rows, batch, iterationEnd);
                        Assert.That(Float32File.BitDifferences(expected, scores), Is.Empty, $"scores, {walk}");
                        Assert.That(Float32File.BitDifferences(expectedMargins, margins), Is.Empty, $"margins, {walk}");
                    }
                }
            }
        });
    }

    [TestCaseSource(nameof(Kinds))]
    public void Approximate_contributions_equal_native_XGBoost_bit_for_bit(Dictionary<string, string> parameters)
    {
        // Arrange: the same rows as the scores' test, infinities made missing (XGBoost's DMatrix refuses them).
        using var booster = TestModels.TrainBooster(Rounds, parameters);
        var rows = EdgeRows.Around(Dataset.Separable(500, seed: 12), EdgeRows.Thresholds(booster.SaveModelToBuffer(ModelFormat.Json)));
        var features = rows.Features.Select(v => float.IsInfinity(v) ? float.NaN : v).ToArray();
        var forest = FlatForest.FromBooster(booster);
        var width = rows.Columns + 1;

        // Act and assert: all rounds, and the first few as after early stopping.
        Assert.Multiple(() =>
        {
            Assert.That(forest.Explains, Is.True);
            Assert.That(forest.ContributionDisagreement(booster), Is.Null, "the load-time check");
            foreach (var iterationEnd in (ReadOnlySpan<int>)[0, 7])
            {
                var expected = new float[rows.Rows * width];
                var actual = new float[rows.Rows * width];
                booster.PredictContributions(features, rows.Rows, rows.Columns, expected, iterationEnd: iterationEnd, approximate: true);
                forest.PredictApproximateContributions(features, rows.Rows, rows.Columns, actual, iterationEnd);
                Assert.That(Float32File.BitDifferences(expected, actual), Is.Empty, $"contributions, iterationEnd {iterationEnd}");
            }
        });
    }

    [Test]
    public void This_machine_takes_the_gathered_walk()
    {
        // The bit-for-bit test above covers the gathered walk only where the CPU has AVX2; the project's machines do.
        Assert.That(FlatForest.GathersSupported, Is.True, "no AVX2 here: only the scalar walk was compared with XGBoost");
    }

    [Test]
    public void Edge_rows_reach_thresholds_and_missing_values_the_data_alone_does_not()
    {
        // Arrange: without these rows, an evaluator that got ties or NaN wrong could still pass.
        using var booster = TestModels.TrainBooster(Rounds);
        var thresholds = EdgeRows.Thresholds(booster.SaveModelToBuffer(ModelFormat.Json));
        var rows = EdgeRows.Around(Dataset.Separable(500, seed: 12), thresholds);

        // Act
        var onThreshold = thresholds.Count(t => Enumerable.Range(0, rows.Rows).Any(r => rows.Row(r)[t.Feature] == t.Threshold));
        var nanRows = Enumerable.Range(0, rows.Rows).Count(r => rows.Row(r).ToArray().Any(float.IsNaN));

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(thresholds, Has.Count.GreaterThan(100));
            Assert.That(onThreshold, Is.EqualTo(thresholds.Count), "every threshold is hit exactly by some row");
            Assert.That(nanRows, Is.GreaterThan(rows.Columns + 10));
        });
    }

    [Test]
    public void The_load_time_check_names_a_difference_from_the_booster()
    {
        // Arrange: a forest of one model checked against another stands for an evaluator that disagrees with XGBoost.
        using var booster = TestModels.TrainBooster(Rounds);
        using var other = TestModels.TrainBooster(Rounds, new Dictionary<string, string> { ["eta"] = "0.2" });
        var forest = FlatForest.FromBooster(other);

        // Act
        var disagreement = forest.Disagreement(booster);

        // Assert
        Assert.That(disagreement, Does.StartWith("The managed evaluator scored check row").And.Contain("where XGBoost 1.7"));
    }

    [TestCaseSource(nameof(Refused))]
    public void Kinds_it_does_not_reproduce_are_refused_in_one_sentence(Dictionary<string, string> parameters, string reason)
    {
        using var booster = TestModels.TrainBooster(3, parameters);

        var refusal = Assert.Throws<UnsupportedModelException>(() => FlatForest.FromBooster(booster));

        Assert.That(refusal!.Message, Does.Contain(reason).And.StartWith("The managed evaluator").And.EndWith("."));
    }

    [Test]
    public void Shapes_and_rounds_are_checked_like_native_prediction()
    {
        using var booster = TestModels.TrainBooster(5);
        var forest = FlatForest.FromBooster(booster);
        var rows = Dataset.Separable(4, seed: 3);
        var scores = new float[4];

        Assert.Multiple(() =>
        {
            Assert.That(forest.FeatureCount, Is.EqualTo(rows.Columns));
            Assert.That(forest.BoostedRounds, Is.EqualTo(5));
            Assert.That(forest.Predict([], 0, rows.Columns, scores), Is.Zero);
            Assert.Throws<ArgumentException>(() => forest.Predict(rows.Features, 4, rows.Columns - 1, scores));
            Assert.Throws<ArgumentException>(() => forest.Predict(rows.Features, 4, rows.Columns, new float[3]));
            Assert.Throws<ArgumentException>(() => forest.Predict(rows.Features[..(rows.Columns - 1)], 1, rows.Columns - 1, scores));
            Assert.Throws<ArgumentOutOfRangeException>(() => forest.Predict(rows.Features, 4, rows.Columns, scores, iterationEnd: 6));
        });
    }

    private delegate int Prediction(ReadOnlySpan<float> features, int rows, int columns, Span<float> output, int iterationEnd);

    private static float[] Batched(Prediction predict, Dataset rows, int batch, int iterationEnd)
    {
        var output = new float[rows.Rows];
        for (var start = 0; start < rows.Rows; start += batch)
        {
            var count = Math.Min(batch, rows.Rows - start);
            predict(rows.Features.AsSpan(start * rows.Columns, count * rows.Columns), count, rows.Columns, output.AsSpan(start, count), iterationEnd);
        }

        return output;
    }
}
