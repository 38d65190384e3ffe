using Confluent.Kafka;
using FraudStream.Streaming.Tests.Fakes;

namespace FraudStream.Streaming.Tests;

/// <summary>
/// Every recovery branch of the transactional commit, on fake clients: each test scripts a fault, asserts it fired,
/// and asserts the committed output is exactly that of a fault-free run (each record once).
/// </summary>
[TestFixture]
public sealed class CommitRecoveryTests
{
    private static KafkaRetriableException TimedOut() => new(new Error(ErrorCode.Local_TimedOut, "Timed out"));

    [Test]
    public async Task A_fault_free_run_outputs_each_record_once()
    {
        using var engine = new EngineHarness(new FakeCluster("in", partitions: 3, recordsPerPartition: 50));

        await engine.RunToEndAsync();

        Assert.That(engine.Outputs(), Is.EquivalentTo(engine.ExpectedOutputs()));
        Assert.That(engine.Metrics.TransactionsAborted, Is.Zero);
    }

    [Test]
    public async Task A_retriable_commit_error_is_retried_until_it_succeeds_and_nothing_is_aborted()
    {
        // Arrange: the first three CommitTransaction calls time out before reaching the coordinator.
        using var engine = new EngineHarness(new FakeCluster("in", partitions: 2, recordsPerPartition: 40));
        engine.Cluster.Inject("CommitTransaction", TimedOut, times: 3);

        // Act
        await engine.RunToEndAsync();

        // Assert
        Assert.That(engine.Metrics.CommitRetries, Is.EqualTo(3), "the fault fired three times and each was retried");
        Assert.That(engine.Cluster.CallCount("AbortTransaction"), Is.Zero);
        Assert.That(engine.Metrics.ProducerRebuilds, Is.Zero);
        Assert.That(engine.Outputs(), Is.EquivalentTo(engine.ExpectedOutputs()));
    }

    [Test]
    public async Task An_ambiguous_commit_resumes_from_the_brokers_committed_offsets_and_duplicates_nothing()
    {
        // Arrange: a commit reaches the coordinator and is applied, but its answer never comes back until the
        // producer is rebuilt (the transaction timeout runs out first).
        var cluster = new FakeCluster("in", partitions: 2, recordsPerPartition: 40);
        using var engine = new EngineHarness(cluster, o => o.TransactionTimeout = TimeSpan.FromMilliseconds(300));
        var ambiguous = 0;
        cluster.InjectAlways("CommitTransaction.response", () =>
        {
            if (cluster.CallCount("InitTransactions") > 1 || cluster.CallCount("CommitTransaction") < 3)
            {
                return null; // answered normally: before the fault (two batches commit) and after the rebuild
            }

            Interlocked.Increment(ref ambiguous);
            return TimedOut();
        });

        // Act
        await engine.RunToEndAsync();

        // Assert
        Assert.That(ambiguous, Is.GreaterThan(0), "the commit's answer was lost");
        Assert.That(engine.Metrics.ProducerRebuilds, Is.EqualTo(1));
        Assert.That(engine.Metrics.Rewinds, Is.EqualTo(1));
        Assert.That(cluster.CallCount("Committed"), Is.EqualTo(1), "the rewind asked the broker for the committed offsets");
        Assert.That(engine.Outputs(), Is.EquivalentTo(engine.ExpectedOutputs()), "each record once: the applied batch is not redone");
    }

    [Test]
    public async Task An_abortable_error_aborts_and_the_batch_is_redone_from_the_committed_offsets()
    {
        using var engine = new EngineHarness(new FakeCluster("in", partitions: 2, recordsPerPartition: 40));
        engine.Cluster.Inject("SendOffsetsToTransaction", () => null, times: 2);
        engine.Cluster.Inject("SendOffsetsToTransaction", () => new KafkaTxnRequiresAbortException(new Error(ErrorCode.InvalidTxnState, "abortable")));

        await engine.RunToEndAsync();

        Assert.That(engine.Cluster.CallCount("AbortTransaction"), Is.EqualTo(1));
        Assert.That(engine.Metrics.TransactionsAborted, Is.EqualTo(1));
        Assert.That(engine.Metrics.Rewinds, Is.EqualTo(1));
        Assert.That(engine.Metrics.ProducerRebuilds, Is.Zero);
        Assert.That(engine.Outputs(), Is.EquivalentTo(engine.ExpectedOutputs()));
    }

    [Test]
    public async Task An_abort_before_any_commit_with_reset_latest_goes_back_to_the_first_record_read_not_to_the_end()
    {
        // The group has no committed offset yet, so "latest" would skip every record read since assignment.
        using var engine = new EngineHarness(new FakeCluster("in", partitions: 2, recordsPerPartition: 40), o => o.AutoOffsetReset = "latest");
        engine.Cluster.Inject("SendOffsetsToTransaction", () => new KafkaTxnRequiresAbortException(new Error(ErrorCode.InvalidTxnState, "abortable")));

        await engine.RunToEndAsync();

        Assert.That(engine.Metrics.Rewinds, Is.EqualTo(1));
        Assert.That(engine.Outputs(), Is.EquivalentTo(engine.ExpectedOutputs()));
    }

    [Test]
    public async Task A_timed_out_abort_is_called_again_instead_of_rebuilding_the_producer()
    {
        using var engine = new EngineHarness(new FakeCluster("in", partitions: 2, recordsPerPartition: 40));
        engine.Cluster.Inject("SendOffsetsToTransaction", () => new KafkaTxnRequiresAbortException(new Error(ErrorCode.InvalidTxnState, "abortable")));
        engine.Cluster.Inject("AbortTransaction", TimedOut, times: 2);

        await engine.RunToEndAsync();

        Assert.That(engine.Cluster.CallCount("AbortTransaction"), Is.EqualTo(3), "two timed out, the third finished the abort");
        Assert.That(engine.Metrics.ProducerRebuilds, Is.Zero);
        Assert.That(engine.Outputs(), Is.EquivalentTo(engine.ExpectedOutputs()));
    }

    [Test]
    public async Task A_fatal_error_rebuilds_the_producer_and_resumes_from_the_committed_offsets()
    {
        using var engine = new EngineHarness(new FakeCluster("in", partitions: 2, recordsPerPartition: 40));
        engine.Cluster.Inject("CommitTransaction", () => null, times: 2);
        engine.Cluster.Inject("CommitTransaction", () => new KafkaException(new Error(ErrorCode.OutOfOrderSequenceNumber, "fatal", isFatal: true)));

        await engine.RunToEndAsync();

        Assert.That(engine.Metrics.ProducerRebuilds, Is.EqualTo(1));
        Assert.That(engine.Clients.ProducersCreated, Is.EqualTo(2));
        Assert.That(engine.Metrics.Rewinds, Is.EqualTo(1));
        Assert.That(engine.Outputs(), Is.EquivalentTo(engine.ExpectedOutputs()));
    }

    [TestCase(ErrorCode.Local_Fenced, true, TestName = "A fenced producer (fatal Local_Fenced) stops the instance with one sentence")]
    [TestCase(ErrorCode.ProducerFenced, false, TestName = "A fenced producer (PRODUCER_FENCED reported as abortable) stops the instance with one sentence")]
    public async Task A_fenced_producer_stops_the_instance(ErrorCode code, bool fatal)
    {
        // Arrange: another live instance took the transactional id; rebuilding would fence it in turn.
        using var engine = new EngineHarness(new FakeCluster("in", partitions: 2, recordsPerPartition: 40));
        engine.Cluster.Inject("CommitTransaction", () => null, times: 2);
        engine.Cluster.Inject("CommitTransaction", () => fatal
            ? new KafkaException(new Error(code, "fenced", isFatal: true))
            : new KafkaTxnRequiresAbortException(new Error(code, "fenced")));

        // Act
        await engine.StartAsync();
        await Eventually.TrueAsync(() => engine.Processor.ExecuteTask!.IsCompleted, "the loop ended", engine.Cluster.RecentCalls);

        // Assert
        Assert.That(engine.Lifetime.StopRequested, Is.True);
        Assert.That(engine.Health.Fenced, Does.Contain("transactional id 'scorer-0'").And.Contain("Scorer:TransactionalId"));
        Assert.That(engine.Clients.ProducersCreated, Is.EqualTo(1), "no rebuild: it would fence the other instance");
        Assert.That(engine.Cluster.CallCount("AbortTransaction"), Is.Zero);
        Assert.That(engine.Processor.ExecuteTask!.IsFaulted, Is.False, engine.Processor.ExecuteTask.Exception?.ToString());
        Assert.That(engine.Outputs(), Has.Count.EqualTo(20), "the two batches committed before the fence, nothing after");
    }

    [Test]
    public async Task A_commit_that_never_answers_gives_up_within_the_shutdown_budget()
    {
        // Arrange: every commit answer is lost; only the shutdown budget ends the retries (the transaction timeout is 15 min).
        var cluster = new FakeCluster("in", partitions: 2, recordsPerPartition: 40);
        using var engine = new EngineHarness(cluster, o =>
        {
            o.ShutdownTimeout = TimeSpan.FromMilliseconds(200);
            o.TransactionTimeout = TimeSpan.FromMinutes(15);
        });
        cluster.InjectAlways("CommitTransaction.response", TimedOut);
        await engine.StartAsync();
        await Eventually.TrueAsync(() => engine.Metrics.CommitRetries > 0, "a commit is being retried", cluster.RecentCalls);

        // Act: a liveness bound far above the 200 ms budget, not a measurement.
        var stopping = engine.Processor.StopAsync(CancellationToken.None);
        var finished = await Task.WhenAny(stopping, Task.Delay(TimeSpan.FromSeconds(30)));

        // Assert
        Assert.That(finished, Is.SameAs(stopping), "the stop waited past the shutdown budget");
        Assert.That(engine.Processor.ExecuteTask!.IsCompleted, Is.True);
        Assert.That(engine.Clients.ProducersCreated, Is.EqualTo(1), "no rebuild on the way out: the next instance settles the transaction");
        Assert.That(cluster.CallCount("Close"), Is.EqualTo(1), "the consumer left the group");
    }
}
