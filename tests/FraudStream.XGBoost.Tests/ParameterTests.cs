using FraudStream.XGBoost.Tests.Support;

namespace FraudStream.XGBoost.Tests;

public sealed class ParameterTests
{
    private Dataset _data = null!;
    private DMatrix _matrix = null!;

    [OneTimeSetUp]
    public void CreateMatrix()
    {
        _data = Dataset.Separable(100, seed: 5);
        _matrix = DMatrix.FromDense(_data.Features, _data.Rows, _data.Columns);
        _matrix.SetLabels(_data.Labels);
    }

    [OneTimeTearDown]
    public void DisposeMatrix() => _matrix.Dispose();

    [Test]
    public void Negative_max_depth_throws_XGBoostException_with_XGBoosts_reason()
    {
        // Arrange
        using var booster = Booster.Create(_matrix);

        // Act
        var failure = Assert.Throws<XGBoostException>(() => booster.SetParameter("max_depth", "-1"));

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(failure!.Message, Does.Contain("max_depth=-1"));
            Assert.That(failure.Message, Does.Contain("value -1 for Parameter max_depth should be greater equal to 0"));
            Assert.That(failure.NativeError, Does.Contain("max_depth"));
        });
    }

    [Test]
    public void Unknown_objective_throws_XGBoostException_with_XGBoosts_reason()
    {
        // Arrange
        using var booster = Booster.Create(_matrix);

        // Act
        var failure = Assert.Throws<XGBoostException>(() => booster.SetParameter("objective", "binary:nonsense"));

        // Assert
        Assert.That(failure!.Message, Does.Contain("Unknown objective function: `binary:nonsense`"));
    }

    [TestCase("eta", "abc", "Invalid Parameter format for learning_rate")]
    [TestCase("tree_method", "bogus", "Invalid Input: 'bogus'")]
    [TestCase("eval_metric", "bogus", "Unknown metric function bogus")]
    [TestCase("nthread", "x", "Invalid Parameter format for nthread")]
    public void Values_XGBoost_only_checks_when_configuring_are_rejected_when_set(string name, string value, string reason)
    {
        // Arrange
        using var booster = Booster.Create(_matrix);

        // Act
        var failure = Assert.Throws<XGBoostException>(() => booster.SetParameter(name, value));

        // Assert
        Assert.That(failure!.Message, Does.Contain(reason));
    }

    [TestCase("max_depth", "-1")]
    [TestCase("eta", "abc")]
    public void After_a_rejected_value_the_booster_refuses_to_train_instead_of_crashing(string name, string value)
    {
        // Arrange: libxgboost 1.7.4 half-configures the learner here; its next round is a SIGSEGV, even with a valid value set.
        using var booster = Booster.Create(_matrix);
        booster.SetParameters(TestModels.Parameters);
        var rejection = Assert.Throws<XGBoostException>(() => booster.SetParameter(name, value));

        // Act
        var failure = Assert.Throws<XGBoostException>(() => booster.UpdateOneIteration(0, _matrix));

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(failure!.Message, Does.Contain(rejection!.Message).And.Contain("create a new booster"));
            Assert.That(() => booster.SetParameter(name, "3"), Throws.TypeOf<XGBoostException>());
            Assert.That(() => booster.PredictDense(_data.Features, _data.Rows, _data.Columns, new float[_data.Rows]), Throws.TypeOf<XGBoostException>());
        });
    }

    [Test]
    public void A_value_XGBoost_only_checks_in_a_round_fails_that_round()
    {
        // Arrange: interaction constraints are parsed by the tree updater, not when the learner is configured.
        using var booster = Booster.Create(_matrix);
        booster.SetParameters(TestModels.Parameters);
        booster.SetParameter("interaction_constraints", "garbage");

        // Act
        var failure = Assert.Throws<XGBoostException>(() => booster.UpdateOneIteration(0, _matrix));

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(failure!.Message, Does.Contain("Failed to parse feature interaction constraint"));
            Assert.That(() => booster.UpdateOneIteration(0, _matrix), Throws.TypeOf<XGBoostException>().With.Message.Contains("create a new booster"));
        });
    }

    [Test]
    public void Parameters_valid_only_together_are_set_with_SetParameters()
    {
        // Arrange
        using var booster = Booster.Create(_matrix);
        using var alone = Booster.Create(_matrix);

        // Act
        booster.SetParameters(new Dictionary<string, string> { ["objective"] = "multi:softprob", ["num_class"] = "3" });
        var failure = Assert.Throws<XGBoostException>(() => alone.SetParameter("objective", "multi:softprob"));

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(() => booster.UpdateOneIteration(0, _matrix), Throws.Nothing);
            Assert.That(failure!.Message, Does.Contain("num_class"));
        });
    }

    [Test]
    public void ThreadCount_sets_XGBoosts_nthread()
    {
        // Arrange
        using var booster = Booster.Create(_matrix);

        // Act
        booster.ThreadCount = 2;
        var afterProperty = booster.ThreadCount;
        booster.SetParameter("nthread", "1");

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(afterProperty, Is.EqualTo(2));
            Assert.That(booster.ThreadCount, Is.EqualTo(1));
            Assert.That(() => booster.ThreadCount = -1, Throws.TypeOf<ArgumentOutOfRangeException>());
        });
    }

    [Test]
    public void Loading_with_a_thread_count_sets_it()
    {
        // Arrange
        var model = TestModels.Separable.Ubjson;

        // Act
        using var booster = Booster.LoadModelFromBuffer(model, threadCount: 2);

        // Assert
        Assert.That(booster.ThreadCount, Is.EqualTo(2));
    }
}
