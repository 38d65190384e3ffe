using System.Globalization;
using FraudStream.XGBoost.Tests.Support;

namespace FraudStream.XGBoost.Tests;

/// <summary>
/// Cross-checks against the reference implementation: Debian's python3-xgboost 1.7.4 (Reference/xgboost_reference.py).
/// Both sides set nthread explicitly; predictions must agree to the bit.
/// </summary>
public sealed class PythonReferenceTests
{
    private const int Threads = 1;

    private TemporaryDirectory _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = new TemporaryDirectory();

    [TearDown]
    public void DeleteDirectory() => _directory.Dispose();

    [Test]
    public void A_model_trained_in_Python_predicts_the_same_bits_here()
    {
        // Arrange
        PythonReference.Run("train", _directory.Path, Threads.ToString(CultureInfo.InvariantCulture));
        var (rows, columns) = Shape();
        var features = Float32File.Read(_directory.File("features.bin"));
        var pythonScores = Float32File.Read(_directory.File("predictions.bin"));
        var pythonInPlace = Float32File.Read(_directory.File("inplace.bin"));
        Assert.That(features, Has.Some.NaN, "the reference rows include missing values");
        using var booster = Booster.LoadModel(_directory.File("model.ubj"), threadCount: Threads);
        using var matrix = DMatrix.FromDense(features, rows, columns);
        var scores = new float[rows];
        var matrixScores = new float[rows];

        // Act
        booster.PredictDense(features, rows, columns, scores);
        booster.Predict(matrix, matrixScores);

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(Float32File.BitDifferences(pythonScores, scores), Is.Empty, "PredictDense vs Python's Booster.predict");
            Assert.That(Float32File.BitDifferences(pythonInPlace, scores), Is.Empty, "PredictDense vs Python's inplace_predict");
            Assert.That(Float32File.BitDifferences(pythonScores, matrixScores), Is.Empty, "Predict(DMatrix) vs Python's Booster.predict");
        });
    }

    [Test]
    public void A_model_trained_here_predicts_the_same_bits_in_Python()
    {
        // Arrange
        var model = TestModels.Separable;
        var rows = model.Holdout;
        using (var booster = model.Load())
        {
            booster.SaveModel(_directory.File("model.ubj"));
        }

        Float32File.Write(_directory.File("features.bin"), rows.Features);
        using var loaded = Booster.LoadModel(_directory.File("model.ubj"), threadCount: Threads);
        var scores = new float[rows.Rows];
        loaded.PredictDense(rows.Features, rows.Rows, rows.Columns, scores);

        // Act
        PythonReference.Run(
            "predict", _directory.Path, Threads.ToString(CultureInfo.InvariantCulture),
            rows.Rows.ToString(CultureInfo.InvariantCulture), rows.Columns.ToString(CultureInfo.InvariantCulture));

        // Assert
        Assert.That(Float32File.BitDifferences(Float32File.Read(_directory.File("predictions.bin")), scores), Is.Empty);
    }

    [Test]
    public void Every_kind_of_tree_model_Python_saves_loads_and_predicts_the_same_bits_here()
    {
        // Arrange: tree methods, pruned trees (deleted nodes), dart, multi-class, regression; each as UBJSON and JSON.
        PythonReference.Run("variety", _directory.Path, Threads.ToString(CultureInfo.InvariantCulture));
        var (rows, columns) = Shape();
        var features = Float32File.Read(_directory.File("features.bin"));
        var kinds = File.ReadAllLines(_directory.File("kinds.txt")).Where(k => k.Length > 0).ToArray();
        Assert.That(kinds, Has.Length.GreaterThanOrEqualTo(7));

        Assert.Multiple(() =>
        {
            foreach (var kind in kinds)
            {
                var expected = Float32File.Read(_directory.File($"{kind}.predictions.bin"));
                foreach (var extension in new[] { ".ubj", ".json" })
                {
                    // Act
                    using var booster = Booster.LoadModel(_directory.File(kind + extension), threadCount: Threads);
                    var scores = new float[expected.Length];
                    var written = booster.PredictDense(features, rows, columns, scores);

                    // Assert
                    Assert.That(written, Is.EqualTo(expected.Length), $"{kind}{extension}: values written");
                    Assert.That(Float32File.BitDifferences(expected, scores), Is.Empty, $"{kind}{extension}");
                    Assert.That(booster.GetFeatureNames(), Is.EqualTo(new[] { "a", "b", "c", "d" }), $"{kind}{extension}: names");
                    Assert.That(booster.GetAttribute("best_iteration"), Is.EqualTo("4"), $"{kind}{extension}: attribute");
                }
            }
        });
    }

    private (int Rows, int Columns) Shape()
    {
        var parts = File.ReadAllText(_directory.File("shape.txt")).Split(' ', StringSplitOptions.TrimEntries);
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
