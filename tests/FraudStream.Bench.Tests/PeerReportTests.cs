using FraudStream.Bench.Scorer;

namespace FraudStream.Bench.Tests;

/// <summary>Reading what bench/peer/scorer_peer.py prints when it stops.</summary>
public sealed class PeerReportTests
{
    [Test]
    public void Parse_reads_the_last_line_after_warnings_and_gives_the_loop_rate()
    {
        var stdout = "some DeprecationWarning from a Debian package\n"
                     + "{\"records\": 30000, \"alerts\": 190, \"batches\": 30, \"first_batch_records\": 1000, "
                     + "\"seconds_after_first_commit\": 0.5, \"cpu_seconds\": 1.25, \"peak_rss_bytes\": 1048576, \"model_version\": \"v\"}\n";

        var report = PeerReport.Parse(stdout);

        Assert.Multiple(() =>
        {
            Assert.That(report.Records, Is.EqualTo(30_000));
            Assert.That(report.Alerts, Is.EqualTo(190));
            Assert.That(report.Batches, Is.EqualTo(30));
            Assert.That(report.PeakRssBytes, Is.EqualTo(1_048_576));
            Assert.That(report.Error, Is.Null);
            Assert.That(report.LoopRate, Is.EqualTo(58_000).Within(1e-9)); // the first batch only starts the clock
        });
    }

    [Test]
    public void Parse_keeps_the_peers_error()
    {
        var report = PeerReport.Parse("{\"error\": \"Kafka said _TRANSPORT\"}\n");

        Assert.That(report.Error, Is.EqualTo("Kafka said _TRANSPORT"));
    }

    [Test]
    public void Parse_fails_with_the_line_when_the_last_line_is_not_a_report()
    {
        var failure = Assert.Throws<BenchmarkFailedException>(() => PeerReport.Parse("{\"records\": 1}\nTraceback (most recent call last):\n"));

        Assert.That(failure!.Message, Does.Contain("Traceback"));
    }

    [Test]
    public void Parse_fails_when_nothing_was_printed() =>
        Assert.Throws<BenchmarkFailedException>(() => PeerReport.Parse(""));
}
