using FraudStream.Telemetry.Tests.Support;

namespace FraudStream.Telemetry.Tests;

/// <summary>The exact text a scrape renders for each kind of instrument.</summary>
[TestFixture]
public sealed class PrometheusTextFormatTests
{
    private ScoringMetricsScenario _scenario = null!;
    private string _scrape = null!;

    [SetUp]
    public async Task SetUp()
    {
        _scenario = new ScoringMetricsScenario();
        _scrape = await _scenario.Handler.ScrapeAsync();
    }

    [TearDown]
    public void TearDown() => _scenario.Dispose();

    [Test]
    public void Counter_gets_the_total_suffix_escaped_help_sorted_and_escaped_labels()
    {
        AssertFamily(
            """
            # HELP fraudstream_records_scored_total Records scored in committed transactions.\nA backslash \\ stays one.
            # TYPE fraudstream_records_scored_total counter
            fraudstream_records_scored_total{partition="0",topic="transactions"} 5
            fraudstream_records_scored_total{partition="1",topic="we\"ird\\to\npic"} 1
            """);
    }

    [Test]
    public void Double_counter_already_ending_in_total_keeps_one_suffix()
    {
        AssertFamily(
            """
            # HELP fraudstream_scored_amount_euros_total Amount scored, in euros.
            # TYPE fraudstream_scored_amount_euros_total counter
            fraudstream_scored_amount_euros_total 1.75
            """);
        Assert.That(_scrape, Does.Not.Contain("_total_total"));
    }

    [Test]
    public void Up_down_counter_is_a_gauge()
    {
        AssertFamily(
            """
            # HELP fraudstream_transactions_in_flight Kafka transactions open now.
            # TYPE fraudstream_transactions_in_flight gauge
            fraudstream_transactions_in_flight 3
            """);
    }

    [Test]
    public void Observable_gauge_is_read_at_scrape()
    {
        AssertFamily(
            """
            # HELP fraudstream_model_age_seconds Seconds since the model in force was trained.
            # TYPE fraudstream_model_age_seconds gauge
            fraudstream_model_age_seconds{model="v3"} 12.5
            """);
    }

    [Test]
    public void Histogram_buckets_are_cumulative_and_end_with_inf_sum_and_count()
    {
        AssertFamily(
            """
            # HELP fraudstream_scoring_duration_seconds Time to score one batch.
            # TYPE fraudstream_scoring_duration_seconds histogram
            fraudstream_scoring_duration_seconds_bucket{stage="predict",le="0.3"} 2
            fraudstream_scoring_duration_seconds_bucket{stage="predict",le="1"} 3
            fraudstream_scoring_duration_seconds_bucket{stage="predict",le="5"} 4
            fraudstream_scoring_duration_seconds_bucket{stage="predict",le="+Inf"} 5
            fraudstream_scoring_duration_seconds_sum{stage="predict"} 11
            fraudstream_scoring_duration_seconds_count{stage="predict"} 5
            """);
    }

    [Test]
    public void Every_family_has_one_help_and_one_type_and_no_resource_attributes()
    {
        var lines = _scrape.Split('\n');
        var typeLines = lines.Where(line => line.StartsWith("# TYPE ", StringComparison.Ordinal)).ToList();
        var helpLines = lines.Where(line => line.StartsWith("# HELP ", StringComparison.Ordinal)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(typeLines, Has.Count.EqualTo(5));
            Assert.That(typeLines.Select(line => line.Split(' ')[2]), Is.Unique);
            Assert.That(helpLines, Has.Count.EqualTo(5));
            Assert.That(_scrape, Does.Not.Contain("target_info"));
            Assert.That(_scrape, Does.EndWith("\n"));
            Assert.That(lines[^1], Is.Empty, "the scrape ends with exactly one newline");
            Assert.That(lines[..^1], Has.None.Empty);
        });
    }

    [Test]
    public async Task Promtool_accepts_the_scrape_without_lint_findings()
    {
        var check = await Promtool.CheckMetricsAsync(_scrape);

        Assert.Multiple(() =>
        {
            Assert.That(check.Output, Is.Empty, $"promtool check metrics reported problems with:\n{_scrape}");
            Assert.That(check.ExitCode, Is.Zero);
        });
    }

    /// <summary>Asserts that the scrape holds exactly these lines as one whole family: the next line starts another.</summary>
    private void AssertFamily(string block)
    {
        var expected = block.ReplaceLineEndings("\n") + "\n";
        var start = _scrape.IndexOf(expected, StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), $"Family not found. Scrape was:\n{_scrape}");

        var next = _scrape[(start + expected.Length)..];
        Assert.That(next.Length == 0 || next.StartsWith("# ", StringComparison.Ordinal), $"Family has more series. Scrape was:\n{_scrape}");
    }
}
