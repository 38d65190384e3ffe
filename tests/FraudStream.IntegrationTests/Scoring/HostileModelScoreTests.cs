using System.Text.Json;
using FraudStream.IntegrationTests.Kafka;

namespace FraudStream.IntegrationTests.Scoring;

/// <summary>`fraudstream score` meets a hostile production model: a running scorer keeps its model, a fresh one exits non-zero.</summary>
[TestFixture]
public sealed class HostileModelScoreTests
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);

    [Test]
    public async Task A_running_scorer_refuses_a_hostile_production_version_and_keeps_its_model()
    {
        // Arrange
        var registry = await TestModels.CopyAsync();
        var hostile = HostileModel.All[0];
        var (scorer, http) = await ScoreVerbTests.StartAsync(await EnvironmentAsync("running"), registry);
        using var scorerProcess = scorer;
        using var httpClient = http;
        await scorer.WaitForStderrLineAsync(l => l.Contains("is in force", StringComparison.Ordinal), "a model in force", s_limit);

        // Act
        await hostile.PublishAsync(registry, await TestModels.SecondAsync());
        await HostileModel.WriteProductionAliasAsync(registry, hostile.Version, await TestModels.FirstAsync());
        await scorer.WaitForStderrLineAsync(
            l => l.Contains($"Refused production model {hostile.Version} ({hostile.Reason})", StringComparison.Ordinal), "the refusal", s_limit);
        using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var readyBody = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        // Assert
        using (Assert.EnterMultipleScope())
        {
            Assert.That(readyBody.GetProperty("model_version").GetString(), Is.EqualTo(await TestModels.FirstAsync()), readyBody.ToString());
            Assert.That(metrics, Does.Contain($"fraudstream_model_refusals_total{{reason=\"{hostile.Reason}\"}} 1"));
            Assert.That(scorer.StandardError, Has.None.Contains("   at "), "no stack trace:\n" + scorer.Transcript);
        }
    }

    [Test]
    public async Task A_fresh_scorer_whose_only_production_model_is_hostile_exits_1_saying_why()
    {
        // Arrange
        var registry = await TestModels.CopyAsync();
        var hostile = HostileModel.All[4];
        await hostile.PublishAsync(registry, await TestModels.SecondAsync());
        await HostileModel.WriteProductionAliasAsync(registry, hostile.Version);

        // Act
        var run = await FraudstreamProcess.RunAsync(await EnvironmentAsync("fresh"), s_limit,
            "score", "--registry", registry, "--management-url", "http://127.0.0.1:0");

        // Assert
        run.AssertCannotServe(hostile.Version, hostile.Reason);
    }

    /// <summary>A scorer's settings over topics of its own on the cluster under test, polling the registry fast.</summary>
    private static async Task<Dictionary<string, string?>> EnvironmentAsync(string name) => new(await TestKafka.HistoryEnvironmentAsync($"hostile-{name}", 1))
    {
        ["FRAUDSTREAM_Scorer__BootstrapServers"] = TestKafka.BootstrapServers,
        ["FRAUDSTREAM_Scorer__InputTopic"] = await TestKafka.CreateTopicAsync($"hostile-{name}-in", 1),
        ["FRAUDSTREAM_Scorer__AlertsTopic"] = await TestKafka.CreateTopicAsync($"hostile-{name}-alerts", 1),
        ["FRAUDSTREAM_Scorer__DeadLetterTopic"] = await TestKafka.CreateTopicAsync($"hostile-{name}-dlq", 1),
        ["FRAUDSTREAM_Scorer__GroupId"] = TestKafka.UniqueName($"hostile-{name}"),
        ["FRAUDSTREAM_Scorer__TransactionalId"] = TestKafka.UniqueName("txn"),
        ["FRAUDSTREAM_Model__PollInterval"] = "00:00:00.100",
        ["OMP_WAIT_POLICY"] = "PASSIVE",
    };
}
