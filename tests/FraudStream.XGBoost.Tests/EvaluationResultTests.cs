namespace FraudStream.XGBoost.Tests;

public sealed class EvaluationResultTests
{
    [Test]
    public void Parse_reads_the_round_and_each_set_metric()
    {
        // Arrange
        const string line = "[12]\ttrain-logloss:0.0123\tvalidation-aucpr:0.98765432101234567\tvalidation-error@0.7:0";

        // Act
        var result = EvaluationResult.Parse(line);

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(result.Iteration, Is.EqualTo(12));
            Assert.That(result["train-logloss"], Is.EqualTo(0.0123));
            Assert.That(result["validation-aucpr"], Is.EqualTo(0.98765432101234567));
            Assert.That(result["validation-error@0.7"], Is.EqualTo(0));
        });
    }

    [Test]
    public void Parse_reads_the_non_finite_values_XGBoost_prints()
    {
        // Arrange
        const string line = "[0]\ta-m:nan\tb-m:-nan\tc-m:inf\td-m:-inf";

        // Act
        var result = EvaluationResult.Parse(line);

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(result["a-m"], Is.NaN);
            Assert.That(result["b-m"], Is.NaN);
            Assert.That(result["c-m"], Is.EqualTo(double.PositiveInfinity));
            Assert.That(result["d-m"], Is.EqualTo(double.NegativeInfinity));
        });
    }

    [TestCase("")]
    [TestCase("train-logloss:0.1")]
    [TestCase("[x]\ttrain-logloss:0.1")]
    [TestCase("[1]\ttrain-logloss")]
    public void Parse_rejects_text_that_is_not_an_evaluation_line(string text) =>
        Assert.That(() => EvaluationResult.Parse(text), Throws.TypeOf<FormatException>());

    [Test]
    public void A_missing_metric_names_the_metrics_there_are()
    {
        // Arrange
        var result = EvaluationResult.Parse("[0]\tvalidation-auc:0.9");

        // Act
        var failure = Assert.Throws<KeyNotFoundException>(() => _ = result["validation-aucpr"]);

        // Assert
        Assert.That(failure!.Message, Does.Contain("'validation-auc'"));
    }
}
