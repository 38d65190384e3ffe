using FraudStream.IntegrationTests.Kafka;
using FraudStream.Registry;
using FraudStream.Registry.Stores;

namespace FraudStream.IntegrationTests.Scoring;

/// <summary>A challenger model scored in shadow beside production: its scores on the shadow topic, never an alert.</summary>
[TestFixture]
public sealed class ChallengerScorerTests
{
    [Test]
    public async Task A_challenger_scores_every_record_once_in_shadow_and_production_alerts_as_without_it()
    {
        // Arrange: the second test model is the challenger; records are produced once the scorer has loaded it.
        var directory = await TestModels.CopyAsync();
        var second = await TestModels.SecondAsync();
        await new ModelRegistry(new LocalDirectoryModelStore(directory)).ChallengeAsync(second, "shadow test");
        using var production = await TestModels.LoadAsync(directory, await TestModels.FirstAsync());
        using var challenger = await TestModels.LoadAsync(directory, second);
        var scenario = await ScoringScenario.CreateAsync("challenger", count: 20_000, partitions: 3, seed: 21, produceFirst: 0);
        var shadowTopic = await TestKafka.CreateTopicAsync("challenger-shadow", 3);
        var settings = scenario.Settings(TestKafka.UniqueName("txn"));
        settings["Scorer:ShadowTopic"] = shadowTopic;

        // Act
        await using (var scorer = await InProcessScorer.StartAsync(settings, directory))
        {
            await Eventually.TrueAsync(() => scorer.Challenger.Version == second, "the challenger loaded");
            await scenario.ProduceRestAsync();
            await scenario.WaitUntilAllCommittedAsync();
            Assert.That(scorer.Metrics.ShadowFailures, Is.Zero);
            Assert.That(
                scorer.Drift.Read().Where(r => r.FeaturePsi.Count > 0).Select(r => r.ModelVersion),
                Is.EquivalentTo(new[] { production.Version, second }),
                "drift is measured for each model that scored, against its own reference");
        }

        // Assert: production's alerts are exactly those without a challenger; the shadow topic holds each record once,
        // with the challenger's own score (bit for bit, history features included) and would-be alert flag.
        scenario.AssertExactlyExpectedAlerts(production);
        var history = scenario.ExpectedHistory();
        var shadow = scenario.ReadScores(shadowTopic);
        var good = scenario.Records.Where(r => r.Transaction is not null).ToDictionary(r => r.Transaction!.TransactionId, r => r.Transaction!);
        var expectedShadowAlerts = good.Values.Count(t => ScoringScenario.ScoreOf(challenger, t, history[t.TransactionId]) >= challenger.Threshold);
        // Whole-topic checks first: a broken shadow path fails here at once, not with a failure per record below.
        Assert.That(shadow.Select(s => s.TransactionId), Is.EquivalentTo(good.Keys), "each record once");
        Assert.That(shadow.Select(s => s.ModelVersion).Distinct(), Is.EqualTo(new[] { second }));
        Assert.Multiple(() =>
        {
            foreach (var s in shadow)
            {
                Assert.That(s.Score, Is.EqualTo(ScoringScenario.ScoreOf(challenger, good[s.TransactionId], history[s.TransactionId])), s.TransactionId);
                Assert.That(s.IsFraud, Is.EqualTo(s.Score >= challenger.Threshold));
            }

            Assert.That(shadow.Count(s => s.IsFraud), Is.EqualTo(expectedShadowAlerts).And.GreaterThan(20), "the challenger would have alerted");
            Assert.That(
                shadow.Where(s => s.IsFraud).Select(s => s.TransactionId).ToHashSet().SetEquals(scenario.ExpectedAlerts(production)), Is.False,
                "the two models alert on different transactions, so the shadow scores are the challenger's own");
        });
    }

    [Test]
    public async Task A_challenger_that_cannot_be_loaded_is_refused_and_production_goes_on_untouched()
    {
        // Arrange: the challenger alias names a version whose model file was corrupted after it was set.
        var directory = await TestModels.CopyAsync();
        var second = await TestModels.SecondAsync();
        var registry = new ModelRegistry(new LocalDirectoryModelStore(directory));
        await registry.ChallengeAsync(second, "about to break");
        var metadata = await registry.GetMetadataAsync(second);
        await File.WriteAllBytesAsync(Path.Combine(directory, RegistryLayout.ModelKey(second, metadata.ModelFile)), [1, 2, 3]);
        using var production = await TestModels.LoadAsync(directory, await TestModels.FirstAsync());
        var scenario = await ScoringScenario.CreateAsync("bad-challenger", count: 10_000, partitions: 2, seed: 22);
        var shadowTopic = await TestKafka.CreateTopicAsync("bad-challenger-shadow", 2);
        var settings = scenario.Settings(TestKafka.UniqueName("txn"));
        settings["Scorer:ShadowTopic"] = shadowTopic;

        // Act
        await using (var scorer = await InProcessScorer.StartAsync(settings, directory))
        {
            await scenario.WaitUntilAllCommittedAsync();
            await Eventually.TrueAsync(() => scorer.ChallengerFollower.RefusedVersion == second, "the challenger refused");
            Assert.That(scorer.Challenger.Version, Is.Null);
        }

        // Assert
        scenario.AssertExactlyExpectedAlerts(production);
        Assert.That(scenario.ReadScores(shadowTopic), Is.Empty);
    }
}
