using FraudStream.Cli.Demo;

namespace FraudStream.Cli.Tests;

[TestFixture]
public sealed class PipelineMetricsTests
{
    [Test]
    public void The_stage_timings_are_the_histograms_means_and_the_share_committed_within_a_bucket_bound()
    {
        const string scrape = """
            # TYPE fraudstream_records_scored_total counter
            fraudstream_records_scored_total 200
            fraudstream_batch_size_records_sum 200
            fraudstream_batch_size_records_count 25
            fraudstream_scoring_duration_seconds_sum 0.0125
            fraudstream_scoring_duration_seconds_count 25
            fraudstream_transaction_commit_duration_seconds_sum 0.075
            fraudstream_transaction_commit_duration_seconds_count 25
            fraudstream_end_to_end_latency_seconds_bucket{le="0.01"} 150
            fraudstream_end_to_end_latency_seconds_bucket{le="0.025"} 190
            fraudstream_end_to_end_latency_seconds_bucket{le="0.05"} 199
            fraudstream_end_to_end_latency_seconds_bucket{le="+Inf"} 200
            fraudstream_end_to_end_latency_seconds_sum 1.9
            fraudstream_end_to_end_latency_seconds_count 200
            """;

        var metrics = PipelineMetrics.Parse(scrape);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(metrics.Scored, Is.EqualTo(200));
            Assert.That(metrics.Stages.MeanBatchSize, Is.EqualTo(8));
            Assert.That(metrics.Stages.MeanScoring.TotalMilliseconds, Is.EqualTo(0.5).Within(1e-9));
            Assert.That(metrics.Stages.MeanCommit.TotalMilliseconds, Is.EqualTo(3).Within(1e-9));
            Assert.That(metrics.Stages.Records, Is.EqualTo(200));
            Assert.That(metrics.Stages.CommittedWithin("0.025"), Is.EqualTo(0.95));
            Assert.That(metrics.Stages.CommittedWithin("0.05"), Is.EqualTo(0.995));
        }
    }

    [Test]
    public void Before_the_first_batch_there_are_no_stage_timings()
    {
        var stages = PipelineMetrics.Parse("fraudstream_records_scored_total 0\n").Stages;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(stages.MeanBatchSize, Is.NaN);
            Assert.That(stages.MeanScoring, Is.EqualTo(TimeSpan.Zero));
            Assert.That(stages.CommittedWithin("0.025"), Is.NaN);
        }
    }
}
