using FraudStream.Core.Features.History;
using FraudStream.IntegrationTests.Kafka;

namespace FraudStream.IntegrationTests.Scoring;

/// <summary>The scorer's history with labels: what it computes in the stream is what the trainer's replay computes.</summary>
[TestFixture]
public sealed class HistoryScorerTests
{
    [TestCase("memory")]
    [TestCase("rocksdb")]
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
}
