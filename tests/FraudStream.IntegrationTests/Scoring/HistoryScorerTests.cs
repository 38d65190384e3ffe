using FraudStream.Core.Features.History;
using FraudStream.IntegrationTests.Kafka;

namespace FraudStream.IntegrationTests.Scoring;

/// <summary>The scorer's history with labels: what it computes in the stream is what the trainer's replay computes.</summary>
[TestFixture]
public sealed class HistoryScorerTests
{
    [TestCase("memory")]
    [TestCase("rocksdb")]
    [TestCase("memory-daily")]
    [TestCase("rocksdb-daily")]
    [TestCase("memory-delta")]
    [TestCase("rocksdb-delta")]
    public async Task Labels_on_the_topic_before_the_stream_give_every_record_the_score_the_trainers_replay_gives(string store)
    {
        // Arrange: every generated transaction's label (fraud after a chargeback delay, genuine after settlement) is on
        // the labels topic before the scorer starts; labels known after a transaction must not inform it. Chargebacks
        // of the day before the stream, at the terminals of its first transactions, must inform its very first batch.
        var registry = await TestModels.DirectoryAsync();
        using var model = await TestModels.LoadAsync(registry, await TestModels.FirstAsync());
        var scenario = await ScoringScenario.CreateAsync("labels", count: 20_000, partitions: 3, seed: 31);
        var first = scenario.Records.Take(500).Select(r => r.Transaction).OfType<Core.Transactions.Transaction>().ToList();
        var start = first[0].EventTime;
        var earlier = first.Select((t, i) => new Core.Transactions.FraudLabel(
            $"before-{i}", "C-before", t.MerchantId, t.TerminalId, IsFraud: true, start - TimeSpan.FromDays(2), start - TimeSpan.FromDays(1)));
        var labels = scenario.ProduceLabels(earlier);
        var settings = scenario.Settings(TestKafka.UniqueName("txn"));
        settings["Scorer:ScoredTopic"] = scenario.ScoredTopic;
        // A first batch of thousands, not the few records natural batching takes first: it must already know the labels.
        settings["Scorer:NaturalBatching"] = "false";
        settings["Scorer:BatchSize"] = "5000";
        settings["Scorer:Linger"] = "00:00:01";
        var path = ScoringScenario.UseHistoryStore(settings, store);
        var withLabels = scenario.ExpectedHistory(labels);
        var withoutLabels = scenario.ExpectedHistory();
        var byId = scenario.Records.Where(r => r.Transaction is not null).ToDictionary(r => r.Transaction!.TransactionId, r => r.Transaction!);

        // Act
        await using (var scorer = await InProcessScorer.StartAsync(settings, registry))
        {
            await scenario.WaitUntilAllCommittedAsync();
            Assert.That(scorer.Metrics.LabelsRead, Is.EqualTo(labels.Count), "the scorer read every label");
            Assert.That(ScoringScenario.InstanceDirectories(path), Has.Length.EqualTo(path is null ? 0 : 1), "a rocksdb store works in its instance's directory");
        }

        Assert.That(ScoringScenario.InstanceDirectories(path), Is.Empty, "a stopped instance deletes its directory");

        // Assert: each score is the replay's with the labels, bit for bit; and the labels mattered, so this is not the
        // no-label result in disguise.
        scenario.AssertEachRecordScoredOnce();
        var scores = scenario.ReadScores();
        var reported = HistoryFeatures.Names.ToList().IndexOf("terminal_reported_7d");
        Assert.Multiple(() =>
        {
            foreach (var score in scores)
            {
                Assert.That(score.Score, Is.EqualTo(ScoringScenario.ScoreOf(model, byId[score.TransactionId], withLabels[score.TransactionId])), score.TransactionId);
            }

            Assert.That(withLabels.Values.Count(h => h[reported] > 0), Is.GreaterThan(100), "labels known in time reached many transactions (192 with this seed)");
            Assert.That(scores.Count(s => s.Score != ScoringScenario.ScoreOf(model, byId[s.TransactionId], withoutLabels[s.TransactionId])), Is.GreaterThan(0),
                "the labels changed some scores");
            Assert.That(first.Count(t => withLabels[t.TransactionId][reported] > 0), Is.EqualTo(first.Count(t => t.TerminalId is not null)),
                "the chargebacks before the stream reach its first transactions");
            Assert.That(first.Count(t => ScoringScenario.ScoreOf(model, t, withLabels[t.TransactionId]) != ScoringScenario.ScoreOf(model, t, withoutLabels[t.TransactionId])),
                Is.GreaterThan(50), "the chargebacks before the stream change first scores (144 of 500 with this seed)");
        });
    }

    [Test]
    public async Task A_new_owner_restores_card_history_when_assigned_before_any_record_reaches_it()
    {
        // Arrange: a first instance scores half the stream (its card histories go to the changelog) and stops.
        var registry = await TestModels.DirectoryAsync();
        using var model = await TestModels.LoadAsync(registry, await TestModels.FirstAsync());
        var scenario = await ScoringScenario.CreateAsync("restore-on-assign", count: 4_000, partitions: 3, seed: 37, produceFirst: 2_000);
        var settings = scenario.Settings(TestKafka.UniqueName("txn"));
        settings["Scorer:ScoredTopic"] = scenario.ScoredTopic;
        long written;
        await using (var first = await InProcessScorer.StartAsync(settings, registry))
        {
            await scenario.WaitUntilCommittedAsync(2_000, TimeSpan.FromMinutes(2));
            written = first.Metrics.ChangelogRecordsWritten;
        }

        // Act: a second instance takes the partitions over while nothing new is on the input, then scores the rest.
        long restoredBeforeAnyBatch;
        long transactionsBeforeTheRest;
        await using (var second = await InProcessScorer.StartAsync(settings, registry))
        {
            await Eventually.TrueAsync(
                () => second.Metrics.HistoryRecordsRestored >= written, "the changelog restored on assignment",
                () => $"{second.Metrics.HistoryRecordsRestored:N0} of {written:N0} restored");
            restoredBeforeAnyBatch = second.Metrics.HistoryRecordsRestored;
            transactionsBeforeTheRest = second.Metrics.TransactionsCommitted;
            await scenario.ProduceRestAsync();
            await scenario.WaitUntilAllCommittedAsync();
        }

        // Assert: the whole changelog was read with no batch to trigger it, and the second half's scores carry the
        // first half's history as if one instance had scored everything.
        var expected = scenario.ExpectedHistory();
        var byId = scenario.Records.Where(r => r.Transaction is not null).ToDictionary(r => r.Transaction!.TransactionId, r => r.Transaction!);
        Assert.That(written, Is.GreaterThan(1_000), "the first instance wrote card histories");
        Assert.That(restoredBeforeAnyBatch, Is.EqualTo(written), "every changelog record was restored on assignment");
        Assert.That(transactionsBeforeTheRest, Is.Zero, "no batch had run to restore it");
        scenario.AssertEachRecordScoredOnce();
        Assert.Multiple(() =>
        {
            foreach (var score in scenario.ReadScores())
            {
                Assert.That(score.Score, Is.EqualTo(ScoringScenario.ScoreOf(model, byId[score.TransactionId], expected[score.TransactionId])), score.TransactionId);
            }
        });
    }
}
