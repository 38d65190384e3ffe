using FraudStream.XGBoost.Tests.Support;

namespace FraudStream.XGBoost.Tests;

public sealed class DMatrixTests
{
    [Test]
    public void FromDense_reports_its_shape()
    {
        // Arrange
        var data = Dataset.Separable(37, seed: 1);

        // Act
        using var matrix = DMatrix.FromDense(data.Features, data.Rows, data.Columns);

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(matrix.Rows, Is.EqualTo(37));
            Assert.That(matrix.Columns, Is.EqualTo(data.Columns));
        });
    }

    [Test]
    public void FromDense_rejects_a_span_that_is_not_rows_times_columns()
    {
        // Arrange
        var values = new float[11];

        // Act, Assert
        Assert.Multiple(() =>
        {
            Assert.That(() => DMatrix.FromDense(values, 2, 5), Throws.ArgumentException.With.Message.Contains("2 rows × 5 columns"));
            Assert.That(() => DMatrix.FromDense(values, -1, 5), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => DMatrix.FromDense(values, 11, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        });
    }

    [Test]
    public void A_matrix_may_have_no_rows()
    {
        // Act
        using var matrix = DMatrix.FromDense([], 0, 6);

        // Assert
        Assert.That(matrix.Rows, Is.Zero);
    }

    [Test]
    public void Labels_and_weights_need_one_value_per_row()
    {
        // Arrange
        var data = Dataset.Separable(10, seed: 2);
        using var matrix = DMatrix.FromDense(data.Features, data.Rows, data.Columns);

        // Act, Assert
        Assert.Multiple(() =>
        {
            Assert.That(() => matrix.SetLabels(new float[9]), Throws.ArgumentException.With.Message.Contains("10 rows but 9 labels"));
            Assert.That(() => matrix.SetWeights(new float[11]), Throws.ArgumentException.With.Message.Contains("10 rows but 11 weights"));
            Assert.That(() => matrix.SetLabels(data.Labels), Throws.Nothing);
            Assert.That(() => matrix.SetWeights(Enumerable.Repeat(2f, 10).ToArray()), Throws.Nothing);
        });
    }

    [Test]
    public void Feature_names_are_kept_and_must_match_the_columns()
    {
        // Arrange
        var data = Dataset.Separable(10, seed: 3);
        using var matrix = DMatrix.FromDense(data.Features, data.Rows, data.Columns);

        // Act
        matrix.SetFeatureNames(Dataset.FeatureNames);

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(matrix.GetFeatureNames(), Is.EqualTo(Dataset.FeatureNames));
            Assert.That(() => matrix.SetFeatureNames(["a"]), Throws.ArgumentException);
        });
    }

    [Test]
    public void Weights_change_what_the_model_learns()
    {
        // Arrange: weighting the positive rows up pushes every score up.
        var data = Dataset.Separable(400, seed: 4);
        var weights = data.Labels.Select(l => l > 0.5f ? 20f : 1f).ToArray();

        // Act
        var plain = MeanScore(data, weights: null);
        var weighted = MeanScore(data, weights);

        // Assert
        Assert.That(weighted, Is.GreaterThan(plain));
    }

    [Test]
    public void A_matrix_cached_by_a_booster_may_be_disposed_first()
    {
        // Arrange
        var data = Dataset.Separable(100, seed: 6);
        var matrix = DMatrix.FromDense(data.Features, data.Rows, data.Columns);
        matrix.SetLabels(data.Labels);
        using var booster = Booster.Create(matrix);
        booster.SetParameters(TestModels.Parameters);
        booster.UpdateOneIteration(0, matrix);

        // Act
        matrix.Dispose();
        var scores = new float[data.Rows];

        // Assert
        Assert.That(() => booster.PredictDense(data.Features, data.Rows, data.Columns, scores), Throws.Nothing);
    }

    private static double MeanScore(Dataset data, float[]? weights)
    {
        using var matrix = DMatrix.FromDense(data.Features, data.Rows, data.Columns);
        matrix.SetLabels(data.Labels);
        if (weights is not null)
        {
            matrix.SetWeights(weights);
        }

        using var booster = Booster.Create(matrix);
        booster.SetParameters(TestModels.Parameters);
        for (var round = 0; round < 3; round++)
        {
            booster.UpdateOneIteration(round, matrix);
        }

        var scores = new float[data.Rows];
        booster.PredictDense(data.Features, data.Rows, data.Columns, scores);
        return scores.Average();
    }
}
