using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using FraudStream.Streaming.Telemetry;
using FraudStream.Streaming.Tests.Fakes;

namespace FraudStream.Streaming.Tests;

/// <summary>The scorer's span per batch, on fake clients: its record count, and its commit or abort.</summary>
[TestFixture]
public sealed class BatchTracingTests
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private ActivityListener _listener = null!;

    [SetUp]
    public void Listen()
    {
        _spans.Clear();
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ScorerTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [TearDown]
    public void StopListening() => _listener.Dispose();

    [Test]
    public async Task Each_batch_is_one_span_with_its_records_and_a_commit()
    {
        using var engine = new EngineHarness(new FakeCluster("in", partitions: 3, recordsPerPartition: 50));

        await engine.RunToEndAsync();

        var spans = _spans.ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(spans, Has.Count.EqualTo(engine.Metrics.TransactionsCommitted), "one span per committed transaction");
            Assert.That(spans.Sum(Records), Is.EqualTo(150), "every record in exactly one span");
            Assert.That(spans, Has.All.Matches<Activity>(s => s.Status == ActivityStatusCode.Ok && s.Events.Any(e => e.Name == "committed")));
            Assert.That(spans, Has.All.Matches<Activity>(s => s.DisplayName == "process in" && s.Kind == ActivityKind.Consumer && s.Parent is null));
        }
    }

    [Test]
    public async Task An_aborted_batch_is_a_span_with_an_error_status_and_the_abort_reason()
    {
        using var engine = new EngineHarness(new FakeCluster("in", partitions: 2, recordsPerPartition: 40));
        engine.Cluster.Inject("SendOffsetsToTransaction", () => null, times: 2);
        engine.Cluster.Inject("SendOffsetsToTransaction", () => new KafkaTxnRequiresAbortException(new Error(ErrorCode.InvalidTxnState, "abortable")));

        await engine.RunToEndAsync();

        var aborted = _spans.Where(s => s.Status == ActivityStatusCode.Error).ToList();
        var committed = _spans.Where(s => s.Events.Any(e => e.Name == "committed")).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(aborted, Has.Count.EqualTo(1));
            Assert.That(aborted.Single().StatusDescription, Is.EqualTo("transaction aborted: requires_abort"));
            Assert.That(
                aborted.Single().Events.Single(e => e.Name == "aborted").Tags,
                Is.EquivalentTo(new[] { new KeyValuePair<string, object?>("reason", "requires_abort") }));
            Assert.That(aborted.Single().Events.Any(e => e.Name == "committed"), Is.False);
            Assert.That(committed.Sum(Records), Is.EqualTo(80), "after the abort every record is committed once");
        }
    }

    private static int Records(Activity span) => (int)span.GetTagItem("messaging.batch.message_count")!;
}
