using FraudStream.Simulation;
using FraudStream.Core.Transactions;
using FraudStream.IntegrationTests.Kafka;
using FraudStream.IntegrationTests.Training;
using FraudStream.Registry;
using FraudStream.Registry.Stores;
using FraudStream.Streaming.Monitoring;
using FraudStream.Serving;

namespace FraudStream.IntegrationTests.Scoring;

/// <summary>
/// A model's life in production, end to end: a fraud pattern appears mid-stream, the scorer reports drift on the features it
/// changes, `retrain` trains on the topics and sets a challenger, the challenger scores in shadow and wins on live labels,
/// `models promote-challenger` promotes it while records flow; a challenger that cannot load changes nothing.
/// </summary>
[TestFixture]
public sealed class PatternChangeTests
{
    // Phase sizes: the stream's first week (a bootstrap model scores it; it is the first model's history warm-up), before the
    // change (the first model's training data), the change (the retraining data), the challenger in shadow (judged on its
    // labels), and after the promotion.
    private const int WarmUp = 30_000;
    private const int Before = 20_000;
    private const int Change = 20_000;
    private const int Shadow = 20_000;
    private const int After = 30_000;
    private const int ChangeStart = WarmUp + Before;
    private const int ShadowStart = ChangeStart + Change;
    private const int AfterStart = ShadowStart + Shadow;
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(2);

    [Test]
    public async Task A_new_fraud_pattern_shows_as_drift_a_retrained_challenger_beats_production_on_live_labels_and_takes_over_with_every_record_scored_once()
    {
        // Arrange: 27 days of transactions ending three days ago, every label known since (chargebacks within a day, settlement
        // after a day). At first the scenarios are those a transaction alone or its history shows; then card testing and
        // far-away card-not-present payments appear, in a wave (20% fraud instead of 2%). The days start at midnight so the
        // data, the models and the drift readings are the same in every run.
        var now = DateTimeOffset.UtcNow;
        var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var generator = new TransactionGenerator(new GeneratorOptions
        {
            Seed = 51, Cards = 3_000, FraudRatio = 0.02, Start = midnight.AddDays(-30), TransactionsPerSecond = (AfterStart + After) / (27 * 86_400.0),
            ChargebackDelayMin = TimeSpan.FromHours(1), ChargebackDelayMax = TimeSpan.FromDays(1), SettlementDelay = TimeSpan.FromDays(1),
            Scenarios = [FraudScenarios.OutOfProfileAmount, FraudScenarios.CompromisedCard, FraudScenarios.CompromisedTerminal, FraudScenarios.AccountTakeover],
        });
        List<LabelledTransaction> rows = [.. generator.Generate(ChangeStart)];
        generator.UseScenarios(null, fraudRatio: 0.2);
        rows.AddRange(generator.Generate(Change + Shadow + After));
        var scenario = await ScoringScenario.CreateAsync("pattern", rows, partitions: 3, produceFirst: WarmUp);
        var labels = scenario.ProduceLabels();
        var registryDirectory = Path.Combine(Path.GetTempPath(), "fstest-pattern-" + Guid.NewGuid().ToString("N")[..8]);
        var registry = new ModelRegistry(new LocalDirectoryModelStore(registryDirectory));
        string[] topics = ["--bootstrap-servers", TestKafka.BootstrapServers, "--topic", scenario.InputTopic, "--labels-topic", scenario.LabelsTopic, "--registry", registryDirectory];
        string[] training = ["--label-delay", "1d", "--max-rounds", "40", "--threads", "1"];
        async Task<string> TrainAsync(int from, int to)
        {
            // The window [first row, a day after the last): every label of its rows known by its end.
            var run = await FraudstreamProcess.RunAsync(s_limit, [
                "train", "--from-kafka", .. topics, .. training,
                "--from", TrainFromKafkaTests.Iso(rows[from].Transaction.EventTime), "--to", TrainFromKafkaTests.Iso(rows[to - 1].Transaction.EventTime.AddDays(1).AddSeconds(1))]);
            var version = (await TrainFromKafkaTests.MetadataAsync(registryDirectory, run)).Version;
            if ((await registry.GetProductionAsync())?.Version != version)
            {
                await registry.PromoteAsync(version, "the test's model for its phase");
            }

            return version;
        }

        // A bootstrap model on the first week, and a challenger whose model file cannot be loaded (three bytes).
        var bootstrap = await TrainAsync(0, WarmUp);
        const string broken = "20260101_000000";
        await StandInModel.PublishAsync(registry, broken, now.AddDays(-30), production: false);
        await registry.ChallengeAsync(broken, "cannot load");

        var shadowTopic = await TestKafka.CreateTopicAsync("pattern-shadow", 3);
        var settings = scenario.Settings(TestKafka.UniqueName("txn"));
        settings["Scorer:ScoredTopic"] = scenario.ScoredTopic;
        settings["Scorer:ShadowTopic"] = shadowTopic;
        string first, second;
        IReadOnlyList<DriftReading> driftBefore, driftAfter;
        FraudstreamRun promotion;

        // Act: the first week scored by the bootstrap model; the first model trained on the time before the change (the first
        // week its history warm-up) and put in production; the time before the change; then the rest. Each phase is a new
        // instance (a restart: each drift reading covers what its instance scored).
        await using (var scorer = await InProcessScorer.StartAsync(settings, registryDirectory))
        {
            await scenario.WaitUntilCommittedAsync(WarmUp, s_limit);
            await Eventually.TrueAsync(() => scorer.ChallengerFollower.RefusedVersion == broken, "the broken challenger refused");
        }

        await scenario.ProduceUpToAsync(ChangeStart);
        first = await TrainAsync(WarmUp, ChangeStart);
        await using (var scorer = await InProcessScorer.StartAsync(settings, registryDirectory))
        {
            await scenario.WaitUntilCommittedAsync(ChangeStart, s_limit);
            driftBefore = scorer.Drift.Read();
        }

        await using (var scorer = await InProcessScorer.StartAsync(settings, registryDirectory))
        {
            await scenario.ProduceUpToAsync(ShadowStart);
            await scenario.WaitUntilCommittedAsync(ShadowStart, s_limit);
            driftAfter = scorer.Drift.Read();

            // Retraining on the last 20 days of the topics (the 30 before them its warm-up): the time before the change ends in it,
            // the change fills most of it. Its model becomes the challenger, in place of the broken one.
            var retrain = await FraudstreamProcess.RunAsync(s_limit, ["retrain", "--once", "--min-new-labels", "1000", "--since", "20d", .. topics, .. training]);
            Assert.That(retrain.ExitCode, Is.Zero, retrain.Transcript);
            second = (await registry.GetChallengerAsync())!.Version!;
            Assert.That(second, Is.Not.EqualTo(broken).And.Not.EqualTo(first), retrain.Transcript);
            await Eventually.TrueAsync(() => scorer.Challenger.Version == second, "the retrained challenger loaded");

            await scenario.ProduceUpToAsync(AfterStart);
            await scenario.WaitUntilCommittedAsync(AfterStart, s_limit);

            // Promotion on live accuracy while the last records trickle in, so the swap happens between batches of a flowing stream.
            var promote = FraudstreamProcess.RunAsync(s_limit, [
                "models", "--registry", registryDirectory, "promote-challenger", "--bootstrap-servers", TestKafka.BootstrapServers,
                "--scored-topic", scenario.ScoredTopic, "--shadow-topic", shadowTopic, "--labels-topic", scenario.LabelsTopic,
                "--window", "30d", "--maturity", "30d", "--min-frauds", "30"]);
            var end = AfterStart;
            while ((scorer.Model.Version != second || end < AfterStart + 500) && end < rows.Count - 2_000)
            {
                await scenario.ProduceUpToAsync(end += 100);
                await Task.Delay(20);
            }

            promotion = await promote;
            await Eventually.TrueAsync(() => scorer.Model.Version == second, "the promoted challenger in force");
            await scenario.ProduceRestAsync();
            await scenario.WaitUntilAllCommittedAsync();
            Assert.That(scorer.Metrics.ShadowFailures, Is.Zero);
            Assert.That(scorer.Challenger.Version, Is.Null, "a promoted challenger is no longer one");
        }

        // Assert
        using var bootstrapModel = await TestModels.LoadAsync(registryDirectory, bootstrap);
        using var firstModel = await TestModels.LoadAsync(registryDirectory, first);
        using var secondModel = await TestModels.LoadAsync(registryDirectory, second);
        var history = scenario.ExpectedHistory(labels); // what the scorer must have computed: the trainer's replay, every label at its time
        AssertDriftShowsWhereThePatternChanged(scenario, history, firstModel, driftBefore, driftAfter);
        Assert.That(promotion.ExitCode, Is.Zero, promotion.Transcript);
        Assert.That(promotion.Output, Does.Contain($"Challenger {second} beats production"), promotion.Transcript);
        Assert.That((await registry.GetProductionAsync())!.Version, Is.EqualTo(second));
        AssertEveryRecordScoredOnceByTheModelInForce(scenario, history, [bootstrapModel, firstModel, secondModel], shadowTopic);
        TestContext.Progress.WriteLine(promotion.Output);
        Directory.Delete(registryDirectory, recursive: true);
    }

    /// <summary>
    /// The first model's drift before the change (its instance scored only those records) and after it (a new instance scored
    /// only the change), as the scorer reports it, is what the records' features say against the model's reference, computed
    /// here from the trainer's replay: before, nothing over the alert rules' limit (0.25), the score under 0.1; after, the fraud
    /// the new wave brings shows in the merchants' and terminals' labelled fraud and in the score, while the payments' own
    /// fields, which the new scenarios barely shift, stay under 0.1. (The 30-day windows drift with time alone: the stream is
    /// 27 days long, so they are still filling.)
    /// </summary>
    private static void AssertDriftShowsWhereThePatternChanged(
        ScoringScenario scenario, Dictionary<string, float[]> history, ScoringModel model, IReadOnlyList<DriftReading> driftBefore, IReadOnlyList<DriftReading> driftAfter)
    {
        var before = driftBefore.Single(r => r.ModelVersion == model.Version);
        var after = driftAfter.Single(r => r.ModelVersion == model.Version);
        TestContext.Progress.WriteLine($"Drift of {model.Version}, before → after the change: score {before.ScorePsi:F3} → {after.ScorePsi:F3}; "
            + string.Join(", ", after.FeaturePsi.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {Psi(before, p.Key):F3} → {p.Value:F3}")));
        var expectedBefore = ExpectedPsi(scenario, history, model, WarmUp, Before);
        var expectedAfter = ExpectedPsi(scenario, history, model, ChangeStart, Change);
        string[] changed = ["merchant_frauds_1d", "merchant_fraud_share_7d", "merchant_reported_fraud_share_1d", "terminal_frauds_1d"];
        string[] unchanged = ["amount", "distance_from_home_km", "channel_ecommerce", "channel_pos", "card_present", "has_terminal", "merchant_category"];
        Assert.Multiple(() =>
        {
            Assert.That((before.Rows, after.Rows), Is.EqualTo((Before, Change)), "each reading covers its phase");
            foreach (var (reading, expected) in new[] { (before, expectedBefore), (after, expectedAfter) })
            {
                Assert.That(reading.FeaturePsi.Select(p => p.Key), Is.EquivalentTo(expected.Keys.Where(k => k != "score")));
                foreach (var (name, value) in reading.FeaturePsi)
                {
                    Assert.That(value, Is.EqualTo(expected[name]).Within(1e-9), name);
                }

                Assert.That(reading.ScorePsi, Is.EqualTo(expected["score"]).Within(1e-9), "score");
            }

            Assert.That(before.FeaturePsi.Where(p => p.Value >= 0.25), Is.Empty, "no drift before the change");
            Assert.That(before.ScorePsi, Is.LessThan(0.1), "the score before the change");
            Assert.That(changed.Select(name => Psi(after, name)), Is.All.GreaterThan(0.25), "the fraud the change brings, where labels show it");
            Assert.That(changed.Select(name => Psi(before, name)), Is.All.LessThan(0.1));
            Assert.That(unchanged.Select(name => Psi(after, name)), Is.All.LessThan(0.1), "what the change does not move");
            Assert.That(after.ScorePsi, Is.GreaterThan(0.1), "the score after the change");
        });
    }

    private static double Psi(DriftReading reading, string feature) => reading.FeaturePsi.Single(p => p.Key == feature).Value;

    /// <summary>
    /// Population stability of records [<paramref name="from"/>, +<paramref name="count"/>) against <paramref name="model"/>'s
    /// reference, per tracked feature and for the score ("score"), from their features and scores computed here.
    /// </summary>
    private static Dictionary<string, double> ExpectedPsi(ScoringScenario scenario, Dictionary<string, float[]> history, ScoringModel model, int from, int count)
    {
        var reference = model.Metadata.DriftReference!;
        var names = model.Pipeline.FeatureNames.ToList();
        var rows = scenario.Records.Skip(from).Take(count).Select(r =>
        {
            var row = new float[model.FeatureCount];
            model.Pipeline.Extract(r.Transaction!, history[r.Transaction!.TransactionId], row);
            return (Row: row, Score: ScoringScenario.ScoreOf(model, r.Transaction!, history[r.Transaction!.TransactionId]));
        }).ToList();
        var psi = reference.Features.ToDictionary(f => f.Name, f => PsiOf(rows.Select(r => r.Row[names.IndexOf(f.Name)]), f.Bins));
        psi["score"] = PsiOf(rows.Select(r => r.Score), reference.Score);
        return psi;
    }

    /// <summary>Σ (live − reference) · ln(live / reference) over the value bins and the missing share, each share at least 1e-4.</summary>
    private static double PsiOf(IEnumerable<float> values, Core.Models.BinnedDistribution bins)
    {
        var all = values.ToList();
        var counts = new double[bins.Edges.Count + 2];
        foreach (var v in all)
        {
            counts[float.IsNaN(v) ? bins.Edges.Count + 1 : bins.Edges.Count(e => e <= v)]++;
        }

        return bins.Proportions.Append(bins.Missing).Select((expected, b) =>
        {
            var live = Math.Max(counts[b] / all.Count, 1e-4);
            var reference = Math.Max(expected, 1e-4);
            return (live - reference) * Math.Log(live / reference);
        }).Sum();
    }

    /// <summary>
    /// Each record scored once, by the production model in force when its batch ran (in each partition the models follow one
    /// another in <paramref name="models"/>' order, never back), with the score the trainer's replay gives; alerts exactly the
    /// scored records at or above their model's threshold, once each; the shadow topic exactly the last model's scores while
    /// it was the challenger, each once.
    /// </summary>
    private static void AssertEveryRecordScoredOnceByTheModelInForce(
        ScoringScenario scenario, Dictionary<string, float[]> history, IReadOnlyList<ScoringModel> models, string shadowTopic)
    {
        scenario.AssertEachRecordScoredOnce();
        var byId = scenario.Records.ToDictionary(r => r.Transaction!.TransactionId);
        var index = scenario.Records.Select((r, i) => (r.Transaction!.TransactionId, i)).ToDictionary(p => p.TransactionId, p => p.i);
        var byVersion = models.ToDictionary(m => m.Version);
        var order = models.Select((m, i) => (m.Version, i)).ToDictionary(p => p.Version, p => p.i);
        var scores = scenario.ReadScores();
        var alerts = scenario.ReadAlerts();
        var shadow = scenario.ReadScores(shadowTopic);
        var scoredBy = scores.ToDictionary(s => s.TransactionId, s => s.ModelVersion);
        int[] FirstScoredBy(int model) => [.. scores.Where(s => order[s.ModelVersion] == model).Select(s => index[s.TransactionId]).Order().Take(1)];
        Assert.Multiple(() =>
        {
            foreach (var s in scores.Concat(shadow))
            {
                var model = byVersion[s.ModelVersion];
                Assert.That(s.Score, Is.EqualTo(ScoringScenario.ScoreOf(model, byId[s.TransactionId].Transaction!, history[s.TransactionId])), s.TransactionId);
                Assert.That(s.IsFraud, Is.EqualTo(s.Score >= model.Threshold));
            }

            foreach (var partition in scores.GroupBy(s => byId[s.TransactionId].Partition))
            {
                var sequence = partition.OrderBy(s => byId[s.TransactionId].Offset).Select(s => order[s.ModelVersion]).ToList();
                Assert.That(sequence, Is.Ordered, $"partition {partition.Key}: the models in force follow one another, never back");
            }

            Assert.That(FirstScoredBy(1), Is.EqualTo(new[] { WarmUp }), "the first model from its promotion on");
            Assert.That(FirstScoredBy(2).Single(), Is.GreaterThanOrEqualTo(AfterStart), "the challenger in production only once promoted");
            Assert.That(scores.Count(s => order[s.ModelVersion] == 2), Is.GreaterThan(After / 2), "the promoted model scored what came after");
            Assert.That(alerts.Select(a => a.TransactionId), Is.EquivalentTo(scores.Where(s => s.IsFraud).Select(s => s.TransactionId)), "each alert once, none lost");
            Assert.That(alerts.All(a => scoredBy[a.TransactionId] == a.ModelVersion), Is.True, "an alert names the model that scored it");
            Assert.That(shadow.Select(s => s.ModelVersion).Distinct(), Is.EqualTo(new[] { models[^1].Version }), "only a loaded challenger scores in shadow");
            Assert.That(
                shadow.Select(s => index[s.TransactionId]).Where(i => i < AfterStart),
                Is.EquivalentTo(Enumerable.Range(ShadowStart, Shadow)),
                "the challenger scored every record in shadow while it was one, each once");
        });
        scenario.AssertAlertsPointAtTheirSource(alerts);
    }
}
