using FraudStream.XGBoost.Tests.Support;

namespace FraudStream.XGBoost.Tests;

public sealed class TrainingTests
{
    [Test]
    public void Trained_model_separates_the_classes_on_rows_it_never_saw()
    {
        // Arrange
        var model = TestModels.Separable;
        var holdout = model.Holdout;
        using var booster = model.Load();
        var scores = new float[holdout.Rows];

        // Act
        booster.PredictDense(holdout.Features, holdout.Rows, holdout.Columns, scores);

        // Assert
        var correct = Enumerable.Range(0, holdout.Rows).Count(i => (scores[i] > 0.5f) == (holdout.Labels[i] > 0.5f));
        var positives = Enumerable.Range(0, holdout.Rows).Where(i => holdout.Labels[i] > 0.5f).Select(i => scores[i]).ToArray();
        var negatives = Enumerable.Range(0, holdout.Rows).Where(i => holdout.Labels[i] < 0.5f).Select(i => scores[i]).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(correct / (double)holdout.Rows, Is.GreaterThan(0.95), "held-out accuracy");
            Assert.That(positives.Average(), Is.GreaterThan(0.8), "mean score of the positive class");
            Assert.That(negatives.Average(), Is.LessThan(0.2), "mean score of the negative class");
        });
    }

    [Test]
    public void Evaluation_reports_every_metric_for_every_named_set()
    {
        // Arrange
        var train = Dataset.Separable(600, seed: 21);
        var validation = Dataset.Separable(300, seed: 22);
        using var trainMatrix = Matrix(train);
        using var validationMatrix = Matrix(validation);
        using var booster = Booster.Create(trainMatrix, validationMatrix);
        booster.SetParameters(TestModels.Parameters);
        booster.SetParameters([new("eval_metric", "logloss"), new("eval_metric", "auc")]);
        for (var round = 0; round < 5; round++)
        {
            booster.UpdateOneIteration(round, trainMatrix);
        }

        // Act
        var line = booster.EvaluateOneIteration(4, [(trainMatrix, "train"), (validationMatrix, "validation")]);
        var result = EvaluationResult.Parse(line);

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(line, Does.StartWith("[4]\ttrain-logloss:"));
            Assert.That(result.Iteration, Is.EqualTo(4));
            Assert.That(result.Metrics.Keys, Is.EquivalentTo(new[] { "train-logloss", "train-auc", "validation-logloss", "validation-auc" }));
            Assert.That(result["validation-auc"], Is.GreaterThan(0.95));
            Assert.That(result["train-logloss"], Is.InRange(0.0, 0.5));
        });
    }

    [TestCase("")]
    [TestCase("hold out")]
    [TestCase("set:1")]
    public void Evaluation_set_names_that_would_break_the_line_are_refused(string name)
    {
        // Arrange
        var data = Dataset.Separable(50, seed: 23);
        using var matrix = Matrix(data);
        using var booster = Booster.Create(matrix);
        booster.SetParameters(TestModels.Parameters);
        booster.UpdateOneIteration(0, matrix);

        // Act, Assert
        Assert.That(() => booster.EvaluateOneIteration(0, [(matrix, name)]), Throws.ArgumentException);
    }

    [Test]
    public void BoostedRounds_counts_the_rounds_run()
    {
        // Arrange
        using var booster = TestModels.Separable.Load();

        // Act
        var rounds = booster.BoostedRounds;

        // Assert
        Assert.That(rounds, Is.EqualTo(TestModels.Rounds));
    }

    [Test]
    public void Training_twice_with_the_same_seed_and_one_thread_gives_the_same_model_bytes()
    {
        // Arrange
        var first = TestModels.Train(rounds: 5);

        // Act
        var second = TestModels.Train(rounds: 5);

        // Assert
        Assert.That(second.Ubjson, Is.EqualTo(first.Ubjson));
    }

    [Test]
    public void Predicting_with_iterationEnd_equals_a_model_trained_for_that_many_rounds()
    {
        // Arrange: the best round of an early-stopped run is used by passing iterationEnd = best + 1.
        var holdout = TestModels.Separable.Holdout;
        using var full = TestModels.Separable.Load();
        using var shorter = TestModels.Train(rounds: 7).Load();
        var truncated = new float[holdout.Rows];
        var expected = new float[holdout.Rows];
        var all = new float[holdout.Rows];

        // Act
        full.PredictDense(holdout.Features, holdout.Rows, holdout.Columns, truncated, iterationEnd: 7);
        shorter.PredictDense(holdout.Features, holdout.Rows, holdout.Columns, expected);
        full.PredictDense(holdout.Features, holdout.Rows, holdout.Columns, all);

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(Float32File.BitDifferences(expected, truncated), Is.Empty);
            Assert.That(all, Is.Not.EqualTo(truncated), "iterationEnd must change which trees are used");
        });
    }

    [Test]
    public void A_round_on_a_matrix_without_labels_throws_XGBoostException()
    {
        // Arrange
        var data = Dataset.Separable(50, seed: 3);
        using var unlabelled = DMatrix.FromDense(data.Features, data.Rows, data.Columns);
        using var booster = Booster.Create(unlabelled);
        booster.SetParameters(TestModels.Parameters);

        // Act
        var failure = Assert.Throws<XGBoostException>(() => booster.UpdateOneIteration(0, unlabelled));

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(failure!.NativeFunction, Is.EqualTo("XGBoosterUpdateOneIter"));
            Assert.That(failure.Message, Does.Contain("boosting round 0"));
            Assert.That(failure.NativeError, Is.Not.Empty);
        });
    }

    [Test]
    public void FeatureImportance_names_the_features_the_trees_split_on()
    {
        // Arrange
        using var booster = TestModels.Separable.Load();

        // Act
        var importance = booster.FeatureImportance(ImportanceType.TotalGain);

        // Assert: the label depends on the first three features only.
        Assert.Multiple(() =>
        {
            Assert.That(importance.Keys, Is.SubsetOf(Dataset.FeatureNames));
            Assert.That(importance.Values, Has.All.GreaterThanOrEqualTo(0));
            Assert.That(importance.OrderByDescending(p => p.Value).First().Key, Is.EqualTo("amount_z"));
        });
    }

    [Test]
    public void A_booster_takes_the_feature_names_of_its_training_matrix()
    {
        // Arrange
        var data = Dataset.Separable(100, seed: 9);
        using var matrix = Matrix(data);
        matrix.SetFeatureNames(Dataset.FeatureNames);

        // Act
        using var booster = Booster.Create(matrix);

        // Assert
        Assert.That(booster.GetFeatureNames(), Is.EqualTo(Dataset.FeatureNames));
    }

    private static DMatrix Matrix(Dataset data)
    {
        var matrix = DMatrix.FromDense(data.Features, data.Rows, data.Columns);
        matrix.SetLabels(data.Labels);
        return matrix;
    }
}
