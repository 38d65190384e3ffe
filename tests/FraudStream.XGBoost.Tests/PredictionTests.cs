using FraudStream.XGBoost.Tests.Support;

namespace FraudStream.XGBoost.Tests;

public sealed class PredictionTests
{
    private Booster _booster = null!;
    private Dataset _rows = null!;

    [OneTimeSetUp]
    public void LoadModel()
    {
        _booster = TestModels.Separable.Load();
        _rows = TestModels.Separable.Holdout;
    }

    [OneTimeTearDown]
    public void DisposeModel() => _booster.Dispose();

    [Test]
    public void PredictDense_equals_Predict_on_a_DMatrix_bit_for_bit()
    {
        // Arrange
        using var matrix = DMatrix.FromDense(_rows.Features, _rows.Rows, _rows.Columns);
        var inPlace = new float[_rows.Rows];
        var viaMatrix = new float[_rows.Rows];

        // Act
        var written = _booster.PredictDense(_rows.Features, _rows.Rows, _rows.Columns, inPlace);
        _booster.Predict(matrix, viaMatrix);

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(written, Is.EqualTo(_rows.Rows));
            Assert.That(Float32File.BitDifferences(viaMatrix, inPlace), Is.Empty);
        });
    }

    [Test]
    public void PredictDenseMargin_is_the_log_odds_of_the_probability()
    {
        // Arrange
        using var matrix = DMatrix.FromDense(_rows.Features, _rows.Rows, _rows.Columns);
        var margins = new float[_rows.Rows];
        var matrixMargins = new float[_rows.Rows];
        var probabilities = new float[_rows.Rows];

        // Act
        _booster.PredictDenseMargin(_rows.Features, _rows.Rows, _rows.Columns, margins);
        _booster.Predict(matrix, matrixMargins, PredictionKind.Margin);
        _booster.PredictDense(_rows.Features, _rows.Rows, _rows.Columns, probabilities);

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(Float32File.BitDifferences(matrixMargins, margins), Is.Empty);
            for (var i = 0; i < _rows.Rows; i++)
            {
                Assert.That(1 / (1 + Math.Exp(-margins[i])), Is.EqualTo(probabilities[i]).Within(1e-6), $"row {i}");
            }
        });
    }

    [TestCase(-999f)]
    [TestCase(1e-30f)]
    [TestCase(float.MaxValue)]
    public void A_missing_value_marker_is_treated_like_NaN(float marker)
    {
        // Arrange
        Assert.That(_rows.Features, Has.Some.NaN);
        var marked = _rows.Features.Select(v => float.IsNaN(v) ? marker : v).ToArray();
        var expected = new float[_rows.Rows];
        var actual = new float[_rows.Rows];

        // Act
        _booster.PredictDense(_rows.Features, _rows.Rows, _rows.Columns, expected);
        _booster.PredictDense(marked, _rows.Rows, _rows.Columns, actual, missing: marker);

        // Assert
        Assert.That(Float32File.BitDifferences(expected, actual), Is.Empty);
    }

    [Test]
    public void IterationEnd_beyond_the_models_rounds_throws_XGBoostException()
    {
        // Arrange
        var scores = new float[_rows.Rows];

        // Act
        var failure = Assert.Throws<XGBoostException>(
            () => _booster.PredictDense(_rows.Features, _rows.Rows, _rows.Columns, scores, iterationEnd: TestModels.Rounds + 1));

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(failure!.NativeFunction, Is.EqualTo("XGBoosterPredictFromDense"));
            Assert.That(failure.Message, Does.Contain("Invalid number of trees"));
        });
    }

    [Test]
    public void Rows_with_a_different_column_count_than_the_model_throw_XGBoostException()
    {
        // Arrange
        var narrow = new float[10 * (_rows.Columns - 1)];
        var scores = new float[10];

        // Act
        var failure = Assert.Throws<XGBoostException>(() => _booster.PredictDense(narrow, 10, _rows.Columns - 1, scores));

        // Assert
        Assert.That(failure!.Message, Does.Contain("Number of columns in data must equal to trained model"));
    }

    [Test]
    public void Spans_that_do_not_match_the_shape_throw_ArgumentException()
    {
        // Arrange
        var scores = new float[_rows.Rows];
        var tooFewScores = new float[_rows.Rows - 1];

        // Act, Assert
        Assert.Multiple(() =>
        {
            Assert.That(() => _booster.PredictDense(_rows.Features.AsSpan(1), _rows.Rows, _rows.Columns, scores), Throws.ArgumentException);
            Assert.That(() => _booster.PredictDense(_rows.Features, _rows.Rows, _rows.Columns, tooFewScores), Throws.ArgumentException);
            Assert.That(() => _booster.PredictDense(_rows.Features, _rows.Rows, _rows.Columns, scores, iterationEnd: -1), Throws.InstanceOf<ArgumentOutOfRangeException>());
        });
    }

    [Test]
    public void Zero_rows_give_zero_scores()
    {
        // Act
        var written = _booster.PredictDense([], 0, _rows.Columns, []);

        // Assert
        Assert.That(written, Is.Zero);
    }

    [Test]
    public void PredictDense_allocates_nothing_per_call()
    {
        // Arrange: the first call builds and caches the prediction config.
        var batch = _rows.Take(256);
        var scores = new float[batch.Rows];
        _booster.PredictDense(batch.Features, batch.Rows, batch.Columns, scores);
        _booster.PredictDense(batch.Features, batch.Rows, batch.Columns, scores, iterationEnd: 5);

        // Act
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            _booster.PredictDense(batch.Features, batch.Rows, batch.Columns, scores);
            _booster.PredictDense(batch.Features, batch.Rows, batch.Columns, scores, iterationEnd: 5);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Assert
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void Concurrent_predictions_on_one_booster_equal_the_sequential_ones()
    {
        // Arrange: the scorer's workers share one booster; XGBoost 1.7 makes in-place prediction thread-safe.
        const int threads = 4;
        const int batches = 100;
        const int batchRows = 50;
        var expected = new float[_rows.Rows];
        _booster.PredictDense(_rows.Features, _rows.Rows, _rows.Columns, expected);
        var results = new float[threads][];
        using var start = new Barrier(threads);

        // Act
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var scores = new float[_rows.Rows];
            start.SignalAndWait();
            for (var b = 0; b < batches; b++)
            {
                var first = ((b * threads) + t) * batchRows % (_rows.Rows - batchRows);
                _booster.PredictDense(
                    _rows.Features.AsSpan(first * _rows.Columns, batchRows * _rows.Columns), batchRows, _rows.Columns,
                    scores.AsSpan(first, batchRows));
            }

            _booster.PredictDense(_rows.Features, _rows.Rows, _rows.Columns, scores);
            results[t] = scores;
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        // Assert
        Assert.Multiple(() =>
        {
            for (var t = 0; t < threads; t++)
            {
                Assert.That(Float32File.BitDifferences(expected, results[t]), Is.Empty, $"thread {t}");
            }
        });
    }

    [Test]
    public void Scoring_and_explaining_concurrently_on_one_booster_equal_the_sequential_results()
    {
        // Arrange: the scorer predicts in place while the HTTP sidecar explains alerts (DMatrix prediction) on the same booster.
        const int rounds = 50;
        var rows = _rows.Take(30);
        var contributionLength = rows.Rows * (rows.Columns + 1);
        var expectedScores = new float[rows.Rows];
        var expectedContributions = new float[contributionLength];
        _booster.PredictDense(rows.Features, rows.Rows, rows.Columns, expectedScores);
        _booster.PredictContributions(rows.Features, rows.Rows, rows.Columns, expectedContributions);
        var mismatches = 0;
        using var start = new Barrier(4);

        void Repeat(Func<float[]> predict, float[] expected) =>
            new Action(() =>
            {
                start.SignalAndWait();
                for (var i = 0; i < rounds; i++)
                {
                    if (Float32File.BitDifferences(expected, predict()).Count > 0)
                    {
                        Interlocked.Increment(ref mismatches);
                    }
                }
            })();

        float[] Scores()
        {
            var scores = new float[rows.Rows];
            _booster.PredictDense(rows.Features, rows.Rows, rows.Columns, scores);
            return scores;
        }

        float[] Contributions()
        {
            var contributions = new float[contributionLength];
            _booster.PredictContributions(rows.Features, rows.Rows, rows.Columns, contributions);
            return contributions;
        }

        // Act
        var workers = new[]
        {
            new Thread(() => Repeat(Scores, expectedScores)),
            new Thread(() => Repeat(Scores, expectedScores)),
            new Thread(() => Repeat(Contributions, expectedContributions)),
            new Thread(() => Repeat(Contributions, expectedContributions)),
        };
        Array.ForEach(workers, w => w.Start());
        Array.ForEach(workers, w => w.Join());

        // Assert
        Assert.That(mismatches, Is.Zero);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Contributions_of_each_row_sum_to_its_margin(bool approximate)
    {
        // Arrange: rows with missing values included.
        var rows = _rows.Take(40);
        Assert.That(rows.Features, Has.Some.NaN);
        var contributions = new float[rows.Rows * (rows.Columns + 1)];
        var margins = new float[rows.Rows];

        // Act
        var written = _booster.PredictContributions(rows.Features, rows.Rows, rows.Columns, contributions, approximate: approximate);
        _booster.PredictDenseMargin(rows.Features, rows.Rows, rows.Columns, margins);

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(written, Is.EqualTo(rows.Rows * (rows.Columns + 1)));
            for (var i = 0; i < rows.Rows; i++)
            {
                var sum = contributions.AsSpan(i * (rows.Columns + 1), rows.Columns + 1).ToArray().Sum(v => (double)v);
                Assert.That(sum, Is.EqualTo(margins[i]).Within(1e-4), $"row {i}");
            }
        });
    }

    [Test]
    public void Contributions_point_at_the_features_the_label_depends_on()
    {
        // Arrange
        var rows = _rows.Take(100);
        var contributions = new float[rows.Rows * (rows.Columns + 1)];

        // Act
        _booster.PredictContributions(rows.Features, rows.Rows, rows.Columns, contributions);

        // Assert: the label is 1.5·x0 − x1 + 0.5·x2; x5 is noise.
        var meanAbsolute = Enumerable.Range(0, rows.Columns)
            .Select(c => Enumerable.Range(0, rows.Rows).Average(r => Math.Abs(contributions[(r * (rows.Columns + 1)) + c])))
            .ToArray();
        Assert.That(meanAbsolute[0], Is.GreaterThan(meanAbsolute[5]));
    }

    [Test]
    public void Contributions_need_as_many_columns_as_the_model_has_features()
    {
        // Arrange
        var narrow = new float[2 * (_rows.Columns - 1)];
        var contributions = new float[2 * _rows.Columns];

        // Act, Assert
        Assert.That(
            () => _booster.PredictContributions(narrow, 2, _rows.Columns - 1, contributions),
            Throws.ArgumentException.With.Message.Contains($"The model has {_rows.Columns} features"));
    }

    [Test]
    public void A_booster_disposed_elsewhere_refuses_further_predictions()
    {
        // Arrange
        var booster = TestModels.Separable.Load();
        var scores = new float[1];
        booster.Dispose();

        // Act, Assert
        Assert.That(() => booster.PredictDense(_rows.Row(0), 1, _rows.Columns, scores), Throws.TypeOf<ObjectDisposedException>());
    }
}
