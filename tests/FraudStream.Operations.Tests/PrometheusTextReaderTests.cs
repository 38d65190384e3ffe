namespace FraudStream.Operations.Tests;

/// <summary>Reading another process's scrape: what the retraining trigger learns drift from.</summary>
public sealed class PrometheusTextReaderTests
{
    [Test]
    public void Samples_are_read_with_their_labels_and_comments_and_bad_lines_are_skipped()
    {
        const string Scrape = """
            # HELP fraudstream_feature_psi Population stability of a feature.
            # TYPE fraudstream_feature_psi gauge
            fraudstream_feature_psi{model_version="20261201_030000",feature="amount"} 0.31
            fraudstream_feature_psi{feature="hour_of_day",model_version="20261201_030000"} 0.02 1765000000000
            fraudstream_score_psi{model_version="20261201_030000"} 1.5e-1
            this line is not a sample
            fraudstream_odd{note="a \"quoted\" \\ value\nwith a newline"} +Inf
            fraudstream_records_scored_total 42

            """;

        var samples = PrometheusTextReader.Read(Scrape).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(samples.Select(s => s.Name), Is.EqualTo(new[]
            {
                "fraudstream_feature_psi", "fraudstream_feature_psi", "fraudstream_score_psi", "fraudstream_odd", "fraudstream_records_scored_total",
            }));
            Assert.That(samples[0].Labels, Is.EqualTo(new Dictionary<string, string> { ["model_version"] = "20261201_030000", ["feature"] = "amount" }));
            Assert.That(samples[0].Value, Is.EqualTo(0.31));
            Assert.That(samples[1].Value, Is.EqualTo(0.02), "a timestamp after the value is not the value");
            Assert.That(samples[2].Value, Is.EqualTo(0.15));
            Assert.That(samples[3].Labels["note"], Is.EqualTo("a \"quoted\" \\ value\nwith a newline"));
            Assert.That(samples[3].Value, Is.EqualTo(double.PositiveInfinity));
            Assert.That(samples[4].Labels, Is.Empty);
        });
    }

    [TestCase("name{label=\"unterminated} 1")]
    [TestCase("name{label=unquoted} 1")]
    [TestCase("name not-a-number")]
    [TestCase("name 1 2 3")]
    [TestCase("{label=\"x\"} 1")]
    public void A_line_that_is_not_a_sample_is_refused(string line) =>
        Assert.That(PrometheusTextReader.TryParse(line, out _), Is.False);
}
