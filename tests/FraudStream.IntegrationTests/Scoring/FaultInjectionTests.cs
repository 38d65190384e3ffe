using Confluent.Kafka;
using FraudStream.IntegrationTests.Kafka;
using FraudStream.DevBroker;

namespace FraudStream.IntegrationTests.Scoring;

/// <summary>
/// Faults injected on the development broker while a scorer works through a stream. Each test compares the committed
/// alerts with the fault-free set (identical, no duplicate) and proves that its fault fired: an injected error served,
/// an abort, a retry, a rebuild or a stall counted. On an external cluster these are skipped, with the reason counted.
/// </summary>
[TestFixture]
public sealed class FaultInjectionTests
{
    // The mock cluster's brokers are numbered from 1; the scorer's coordinators are pinned so faults hit them.
    private const int TransactionCoordinator = 1;
    private const int GroupCoordinator = 2;

    [Test]
    public async Task A_commit_the_coordinator_applied_but_never_answered_is_settled_by_a_rebuild_and_not_redone()
    {
        // Arrange
        var broker = TestKafka.RequireDevelopmentBroker("an EndTxn whose answer is lost");
        await using var run = await FaultRun.StartAsync(broker, "endtxn", seed: 21, s => s["Scorer:TransactionTimeout"] = "00:00:10");
        var scorer = run.Scorer;

        // Act: one EndTxn is applied at once, but its answer is held back past the transaction timeout.
        broker.PushBrokerRequestError(TransactionCoordinator, KafkaApi.EndTxn, ErrorCode.NoError, TimeSpan.FromSeconds(15));

        // Assert
        await run.AssertSameResultAsync();
        Assert.That(broker.PendingBrokerRequestErrors(TransactionCoordinator, KafkaApi.EndTxn), Is.Zero, "the delayed EndTxn was sent");
        Assert.That(scorer.Metrics.CommitRetries, Is.GreaterThan(0), "the timed-out commit was called again");
        Assert.That(scorer.Metrics.ProducerRebuilds, Is.EqualTo(1), "the unknown outcome was settled by a new producer");
        Assert.That(scorer.Metrics.Rewinds, Is.EqualTo(1));
    }

    [Test]
    public async Task An_abortable_AddOffsetsToTxn_error_aborts_the_batch_and_it_is_redone_once()
    {
        var broker = TestKafka.RequireDevelopmentBroker("an abortable AddOffsetsToTxn error");
        await using var run = await FaultRun.StartAsync(broker, "addoffsets", seed: 22);
        var scorer = run.Scorer;
        broker.PushBrokerRequestError(TransactionCoordinator, KafkaApi.AddOffsetsToTxn, ErrorCode.GroupAuthorizationFailed, TimeSpan.Zero);
        await run.AssertSameResultAsync();
        Assert.That(broker.PendingBrokerRequestErrors(TransactionCoordinator, KafkaApi.AddOffsetsToTxn), Is.Zero, "the error was served");
        Assert.That(scorer.Metrics.TransactionsAborted, Is.EqualTo(1));
        Assert.That(scorer.Metrics.Rewinds, Is.EqualTo(1));
        Assert.That(scorer.Metrics.ProducerRebuilds, Is.Zero);
    }

    // ILLEGAL_GENERATION: the group rebalanced after the batch's consumer group metadata was read (KIP-447), which
    // Kafka and the dev broker answer whenever a commit races a rebalance.
    [TestCase(ErrorCode.GroupAuthorizationFailed)]
    [TestCase(ErrorCode.IllegalGeneration)]
    public async Task An_abortable_TxnOffsetCommit_error_aborts_the_batch_and_it_is_redone_once(ErrorCode error)
    {
        var broker = TestKafka.RequireDevelopmentBroker("an abortable TxnOffsetCommit error");
        await using var run = await FaultRun.StartAsync(broker, "txnoffsets", seed: 23);
        var scorer = run.Scorer;
        broker.PushBrokerRequestError(GroupCoordinator, KafkaApi.TxnOffsetCommit, error, TimeSpan.Zero);
        await run.AssertSameResultAsync();
        Assert.That(broker.PendingBrokerRequestErrors(GroupCoordinator, KafkaApi.TxnOffsetCommit), Is.Zero, "the error was served");
        Assert.That(scorer.Metrics.TransactionsAborted, Is.EqualTo(1));
        Assert.That(scorer.Metrics.Rewinds, Is.EqualTo(1));
    }

    [Test]
    public async Task NOT_COORDINATOR_and_a_coordinator_move_mid_stream_change_nothing()
    {
        var broker = TestKafka.RequireDevelopmentBroker("NOT_COORDINATOR and a coordinator move");
        await using var run = await FaultRun.StartAsync(broker, "notcoord", seed: 24);
        var scenario = run.Scenario;
        broker.PushBrokerRequestError(TransactionCoordinator, KafkaApi.EndTxn, ErrorCode.NotCoordinatorForGroup, TimeSpan.Zero);
        await scenario.WaitUntilCommittedAsync(scenario.Records.Count / 2, TimeSpan.FromMinutes(2));
        broker.SetTransactionCoordinator(run.TransactionalId, 3);
        await run.AssertSameResultAsync();
        Assert.That(broker.PendingBrokerRequestErrors(TransactionCoordinator, KafkaApi.EndTxn), Is.Zero, "NOT_COORDINATOR was served");
    }

    [Test]
    public async Task The_transaction_coordinator_down_for_10_s_stalls_commits_and_then_the_stream_goes_on()
    {
        var broker = TestKafka.RequireDevelopmentBroker("a broker outage");
        await using var run = await FaultRun.StartAsync(broker, "down", seed: 25);
        var scenario = run.Scenario;
        long atDown;
        long beforeUp;
        broker.SetBrokerDown(TransactionCoordinator);
        try
        {
            // The transaction already being committed may still finish as the connection drops; then nothing can.
            await Task.Delay(TimeSpan.FromSeconds(2));
            atDown = scenario.CommittedRecords();
            await Task.Delay(TimeSpan.FromSeconds(8));
            beforeUp = scenario.CommittedRecords();
        }
        finally
        {
            broker.SetBrokerUp(TransactionCoordinator);
        }

        await run.AssertSameResultAsync();
        Assert.That(beforeUp, Is.EqualTo(atDown), "no transaction committed while its coordinator was down: the fault bit");
        Assert.That(atDown, Is.LessThan(scenario.Records.Count));
    }

    [Test]
    public async Task A_partition_level_fetch_error_skips_no_record_and_dead_letters_nothing()
    {
        var broker = TestKafka.RequireDevelopmentBroker("a partition-level fetch error");
        await using var run = await FaultRun.StartAsync(broker, "fetcherr", seed: 26);
        var (scenario, scorer) = (run.Scenario, run.Scorer);
        broker.PushPartitionRequestError(scenario.InputTopic, 1, KafkaApi.Fetch, ErrorCode.TopicAuthorizationFailed);
        await run.AssertSameResultAsync();
        Assert.That(scenario.ReadDeadLetters(), Is.Empty, "a partition error is not a bad record");
        Assert.That(scorer.Metrics.PartitionErrors, Is.GreaterThan(0), "the consumer reported the fetch error");
    }

    /// <summary>
    /// A scorer working through a 20,000-transaction stream on 4 partitions (coordinators pinned to known brokers, every
    /// score written so a redone batch shows even without alerts), started and a quarter committed: the moment to inject.
    /// </summary>
    private sealed class FaultRun : IAsyncDisposable
    {
        public ScoringScenario Scenario { get; private init; } = null!;

        public InProcessScorer Scorer { get; private init; } = null!;

        public string TransactionalId { get; private init; } = "";

        private Serving.ScoringModel Model { get; init; } = null!;

        public static async Task<FaultRun> StartAsync(
            DevelopmentBroker broker, string purpose, int seed, Action<Dictionary<string, string?>>? adjust = null)
        {
            var scenario = await ScoringScenario.CreateAsync(purpose, count: 20_000, partitions: 4, seed: seed);
            var settings = scenario.Settings(TestKafka.UniqueName("txn-" + purpose));
            settings["Scorer:BatchSize"] = "200";
            settings["Scorer:ScoredTopic"] = scenario.ScoredTopic;
            adjust?.Invoke(settings);
            broker.SetTransactionCoordinator(settings["Scorer:TransactionalId"]!, TransactionCoordinator);
            broker.SetGroupCoordinator(scenario.Group, GroupCoordinator);
            var registry = await TestModels.DirectoryAsync();
            var run = new FaultRun
            {
                Scenario = scenario,
                Scorer = await InProcessScorer.StartAsync(settings, registry),
                TransactionalId = settings["Scorer:TransactionalId"]!,
                Model = await TestModels.LoadAsync(registry, await TestModels.FirstAsync()),
            };
            await scenario.WaitUntilCommittedAsync(scenario.Records.Count / 4, TimeSpan.FromMinutes(2));
            return run;
        }

        /// <summary>Waits for the whole stream, then asserts the fault-free result: the expected alerts once, every record scored once.</summary>
        public async Task AssertSameResultAsync()
        {
            await Scenario.WaitUntilAllCommittedAsync();
            Scenario.AssertExactlyExpectedAlerts(Model);
            Scenario.AssertEachRecordScoredOnce();
        }

        public async ValueTask DisposeAsync()
        {
            await Scorer.DisposeAsync();
            Model?.Dispose();
        }
    }
}
