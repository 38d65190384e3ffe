using System.Globalization;
using System.Text.Json;
using FraudStream.IntegrationTests.Kafka;
using FraudStream.Registry;
using FraudStream.Registry.Stores;
using FraudStream.Training.Evaluation;

namespace FraudStream.IntegrationTests.Scoring;

/// <summary>
/// Live accuracy from the topics: production's scores and a challenger's shadow scores joined with the labels, by
/// `fraudstream models report` and as `fraudstream monitor`'s gauges.
/// </summary>
[TestFixture]
public sealed class LiveAccuracyTests
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);

    [Test]
    public async Task The_report_and_the_monitor_give_each_versions_precision_recall_and_PR_AUC_from_its_scores_and_the_labels()
    {
        // Arrange: production and a challenger score 8,000 transactions (scores and shadow scores on their topics);
        // then every transaction's label is produced.
        var directory = await TestModels.CopyAsync();
        var first = await TestModels.FirstAsync();
        var second = await TestModels.SecondAsync();
        await new ModelRegistry(new LocalDirectoryModelStore(directory)).ChallengeAsync(second, "live accuracy test");
        var scenario = await ScoringScenario.CreateAsync("accuracy", count: 8_000, partitions: 2, seed: 23, produceFirst: 0);
        var shadowTopic = await TestKafka.CreateTopicAsync("accuracy-shadow", 2);
        var settings = scenario.Settings(TestKafka.UniqueName("txn"));
        settings["Scorer:ScoredTopic"] = scenario.ScoredTopic;
        settings["Scorer:ShadowTopic"] = shadowTopic;
        await using (var scorer = await InProcessScorer.StartAsync(settings, directory))
        {
            await Eventually.TrueAsync(() => scorer.Challenger.Version == second, "the challenger loaded");
            await scenario.ProduceRestAsync();
            await scenario.WaitUntilAllCommittedAsync();
        }

        var labels = scenario.ProduceLabels();
        var fraud = labels.ToDictionary(l => l.TransactionId, l => l.IsFraud);
        // What each version's metrics must be, from its committed scores and the labels, computed here directly.
        var expected = new Dictionary<string, (double Precision, double Recall, double PrAuc, int Alerts)>
        {
            [first] = Expected(scenario.ReadScores(), fraud),
            [second] = Expected(scenario.ReadScores(shadowTopic), fraud),
        };
        string[] sources =
        [
            "--bootstrap-servers", TestKafka.BootstrapServers, "--scored-topic", scenario.ScoredTopic, "--shadow-topic", shadowTopic,
            "--labels-topic", scenario.LabelsTopic, "--windows", "364d", "--maturity", "364d", "--registry", directory,
        ];

        // Act
        var report = await FraudstreamProcess.RunAsync(s_limit, ["models", .. sources[^2..], "report", .. sources[..^2], "--json"]);
        using var monitor = FraudstreamProcess.Start([
            "monitor", .. sources, "--management-url", "http://127.0.0.1:0", "--refresh", "1s"]);
        await monitor.WaitForStdoutLineAsync(l => l.Contains("caught up", StringComparison.Ordinal), "the monitor caught up", s_limit);
        var url = monitor.StandardOutput.Select(l => System.Text.RegularExpressions.Regex.Match(l, @"http://127\.0\.0\.1:\d+")).First(m => m.Success).Value;
        using var http = new HttpClient();
        var scrape = await http.GetStringAsync(new Uri(url + "/metrics"));

        // Assert
        Assert.That(report.ExitCode, Is.Zero, report.Transcript);
        var rows = report.StandardOutput.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(r => r.GetProperty("version").GetString()!);
        Assert.Multiple(() =>
        {
            foreach (var (version, role) in new[] { (first, "production"), (second, "challenger") })
            {
                var row = rows[version];
                var (precision, recall, prAuc, alerts) = expected[version];
                Assert.That(row.GetProperty("role").GetString(), Is.EqualTo(role));
                Assert.That(row.GetProperty("scored").GetInt32(), Is.EqualTo(8_000), version);
                Assert.That(row.GetProperty("label_coverage").GetDouble(), Is.EqualTo(1.0), "every transaction labelled");
                Assert.That(row.GetProperty("alerts").GetInt32(), Is.EqualTo(alerts).And.GreaterThan(0), version);
                Assert.That(row.GetProperty("precision").GetDouble(), Is.EqualTo(precision).Within(1e-12), version);
                Assert.That(row.GetProperty("recall").GetDouble(), Is.EqualTo(recall).Within(1e-12), version);
                Assert.That(row.GetProperty("pr_auc").GetDouble(), Is.EqualTo(prAuc).Within(1e-12), version);
                var gauge = System.Text.RegularExpressions.Regex.Match(
                    scrape, $@"^fraudstream_live_pr_auc\{{[^}}]*role=""{role}""[^}}]*version=""{version}""[^}}]*\}} (\S+)", System.Text.RegularExpressions.RegexOptions.Multiline);
                Assert.That(gauge.Success, Is.True, $"the monitor exports PR-AUC of {version}:\n{scrape}");
                Assert.That(double.Parse(gauge.Groups[1].Value, CultureInfo.InvariantCulture), Is.EqualTo(prAuc).Within(1e-9), version);
            }

            Assert.That(expected[first].PrAuc, Is.Not.EqualTo(expected[second].PrAuc), "two models, two results");
        });
        var check = await Promtool.CheckMetricsAsync(scrape);
        Assert.That(check.ExitCode, Is.Zero, check.Output);
        monitor.SendSigterm();
        Assert.That(await monitor.WaitForExitAsync(s_limit), Is.Zero, monitor.Transcript);

        // Promotion on live accuracy: refused without enough known frauds; then decided by the PR-AUCs above.
        string[] promote =
        [
            "models", "--registry", directory, "promote-challenger", "--bootstrap-servers", TestKafka.BootstrapServers, "--scored-topic", scenario.ScoredTopic,
            "--shadow-topic", shadowTopic, "--labels-topic", scenario.LabelsTopic, "--maturity", "364d", "--window", "364d",
        ];
        var tooFew = await FraudstreamProcess.RunAsync(s_limit, [.. promote, "--min-frauds", "100000"]);
        Assert.That(tooFew.Output, Does.Contain("Not enough known frauds to judge").And.Contain("Nothing changed."), tooFew.Transcript);
        var decided = await FraudstreamProcess.RunAsync(s_limit, [.. promote, "--min-frauds", "10"]);
        var registry = new ModelRegistry(new LocalDirectoryModelStore(directory));
        var challengerWins = expected[second].PrAuc > expected[first].PrAuc;
        Assert.Multiple(async () =>
        {
            Assert.That(decided.ExitCode, Is.Zero, decided.Transcript);
            Assert.That((await registry.GetProductionAsync())!.Version, Is.EqualTo(challengerWins ? second : first), decided.Transcript);
            Assert.That((await registry.GetChallengerAsync())!.Version, Is.EqualTo(challengerWins ? null : second), "a promoted challenger is no longer the challenger");
            Assert.That(decided.Output, Does.Contain(challengerWins ? $"Challenger {second} beats production" : $"Challenger {second} does not beat production"));
        });
    }

    private static (double Precision, double Recall, double PrAuc, int Alerts) Expected(IReadOnlyList<Core.Outputs.TransactionScore> scores, Dictionary<string, bool> fraud)
    {
        var values = scores.Select(s => s.Score).ToArray();
        var truth = scores.Select(s => fraud[s.TransactionId] ? 1f : 0f).ToArray();
        var tp = scores.Count(s => s.IsFraud && fraud[s.TransactionId]);
        var alerts = scores.Count(s => s.IsFraud);
        return (tp / (double)alerts, tp / (double)truth.Count(t => t > 0), BinaryClassificationMetrics.AveragePrecision(values, truth), alerts);
    }
}
