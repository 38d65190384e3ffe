using Confluent.Kafka;
using FraudStream.IntegrationTests.Kafka;
using FraudStream.DevBroker;

namespace FraudStream.IntegrationTests.Scoring;

/// <summary>The real `fraudstream score` process, killed (SIGKILL, no shutdown) mid-stream and restarted.</summary>
[TestFixture]
public sealed class CrashRestartTests
{
    [TestCase("memory")]
    [TestCase("rocksdb")]
    [TestCase("memory-daily")]
    [TestCase("rocksdb-daily")]
    [TestCase("memory-delta")]
    [TestCase("rocksdb-delta")]
    public async Task A_scorer_killed_at_several_points_and_restarted_gives_the_same_result_as_without_crashes(string store)
    {
        // Arrange
        var registry = await TestModels.DirectoryAsync();
        using var model = await TestModels.LoadAsync(registry, await TestModels.FirstAsync());
        var scenario = await ScoringScenario.CreateAsync("crash", count: 60_000, partitions: 4, seed: 12);
        var settings = scenario.Settings(TestKafka.UniqueName("txn"));
        // Small transactions slow the scorer down (about 10 s for the stream), so every kill lands mid-stream.
        settings["Scorer:BatchSize"] = "25";
        settings["Scorer:Linger"] = "00:00:00.005";
        // A killed member stays in the group until its session times out (45 s by default); the restarted instance's
        // partitions are assigned only then. 6 s is the broker's usual minimum.
        settings["Scorer:Consumer:session.timeout.ms"] = "6000";
        // Every record leaves a score in its transaction, so a transaction left open by a kill shows on this topic.
        settings["Scorer:ScoredTopic"] = scenario.ScoredTopic;
        var path = ScoringScenario.UseHistoryStore(settings, store);
        var environment = FraudstreamProcess.EnvironmentOf(settings);
        string[] arguments = ["score", "--registry", registry, "--management-url", "http://127.0.0.1:0"];
        var total = scenario.Records.Count;

        // Act: kill at 1/5, 2/5, 3/5 and 4/5 of the stream, each time while a transaction holds records (watched on
        // the scored topic); each restart uses the same transactional.id.
        using var probe = new TestKafka.OpenTransactionProbe(scenario.ScoredTopic, scenario.Partitions);
        var killsInOpenTransactions = 0;
        // On the dev broker, one TxnOffsetCommit answer is held back 3 s before each kill, so a transaction waits open
        // and the kill lands inside it; a real cluster gets the kills as they come.
        var broker = TestKafka.DevelopmentBrokerOrNull;
        const int groupCoordinator = 2;
        broker?.SetGroupCoordinator(scenario.Group, groupCoordinator);
        for (var kill = 1; kill <= 4; kill++)
        {
            using var scorer = FraudstreamProcess.Start(environment, arguments);
            await scenario.WaitUntilCommittedAsync(total * kill / 5, TimeSpan.FromMinutes(2), () => scorer.Transcript);
            broker?.PushBrokerRequestError(groupCoordinator, KafkaApi.TxnOffsetCommit, ErrorCode.NoError, TimeSpan.FromSeconds(3));
            var looking = TimeProvider.System.GetTimestamp();
            // Open records seen before the held request arrives may belong to a transaction already committing (its
            // EndTxn sent), which the broker completes after the kill: on a fast machine one kill in four landed there.
            // Once the broker holds the request, its transaction waits open for 3 s.
            while (broker is not null && broker.PendingBrokerRequestErrors(groupCoordinator, KafkaApi.TxnOffsetCommit) > 0
                && TimeProvider.System.GetElapsedTime(looking) < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(1);
            }

            while (probe.OpenRecords() == 0 && TimeProvider.System.GetElapsedTime(looking) < TimeSpan.FromSeconds(20))
            {
                // The held transaction shows at once on the dev broker; on a real cluster transactions open and close
                // every few milliseconds, and the next look usually finds one open.
            }

            scorer.Kill();
            if (path is not null)
            {
                // A killed instance leaves its directory; the next one to start deletes it.
                Assert.That(ScoringScenario.InstanceDirectories(path), Has.Length.EqualTo(1), $"kill {kill}: the killed instance's directory (and no earlier one) is left");
            }

            // The killed instance's open transaction stays open until its successor's InitTransactions aborts it.
            killsInOpenTransactions += probe.OpenRecords() > 0 ? 1 : 0;
            Assert.That(scenario.CommittedRecords(), Is.LessThan(total), $"kill {kill} came after the end of the stream");
        }

        using (var last = FraudstreamProcess.Start(environment, arguments))
        {
            await scenario.WaitUntilAllCommittedAsync(context: () => last.Transcript);
            await last.WaitForStdoutLineAsync(l => l.Contains("management endpoint", StringComparison.Ordinal), "the scorer's start banner", TimeSpan.FromSeconds(30));
            last.SendSigterm();
            Assert.That(await last.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.Zero, last.Transcript);
        }

        // Assert
        scenario.AssertExactlyExpectedAlerts(model);
        Assert.That(scenario.ReadDeadLetters(), Is.Empty);
        scenario.AssertEachRecordScoredOnce();
        Assert.That(ScoringScenario.InstanceDirectories(path), Is.Empty, "the last instance stopped and deleted its directory");
        Assert.That(killsInOpenTransactions, Is.GreaterThanOrEqualTo(broker is null ? 1 : 4), "kills that left a transaction open with records in it (of 4)");
        var (whole, days, deltas) = scenario.ChangelogKinds();
        Assert.That((whole > 0, days > 0, deltas > 0), Is.EqualTo(store.Split('-') switch
        {
            [_, "daily"] => (false, true, false),
            [_, "delta"] => (true, false, true),
            _ => (true, false, false),
        }), $"the changelog in the layout asked for: {whole} whole histories, {days} days, {deltas} deltas");
        var written = TestKafka.ReadAllRecords(scenario.ScoredTopic, scenario.Partitions, IsolationLevel.ReadUncommitted).Count;
        Assert.That(written, Is.GreaterThan(scenario.ReadScores().Count), "the open transactions' records were written, then aborted");
        TestContext.Progress.WriteLine($"Kills inside an open transaction: {killsInOpenTransactions} of 4; scores written including aborted transactions: {written}.");
    }
}
