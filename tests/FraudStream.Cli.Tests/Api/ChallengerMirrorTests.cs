using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FraudStream.Registry;
using FraudStream.Registry.Stores;
using FraudStream.Serving;

namespace FraudStream.Cli.Tests.Api;

/// <summary>Api:MirrorChallenger: /predict answers from production and counts how the challenger would have answered.</summary>
public sealed class ChallengerMirrorTests
{
    [Test]
    public async Task Answers_stay_productions_and_the_metrics_count_the_challengers_scores_alerts_and_disagreements()
    {
        // Arrange: production is the newer model, the challenger the older one; the API mirrors to it.
        var directory = ApiFixture.CopyRegistry();
        var registry = new ModelRegistry(new LocalDirectoryModelStore(directory));
        await registry.ChallengeAsync(ApiFixture.OlderVersion, "mirror test");
        var transactions = ApiFixture.Transactions(40, seed: 17);
        var (metadata, bytes) = await registry.LoadAsync(ApiFixture.OlderVersion);
        using var challenger = ScoringModel.Create(metadata, bytes, predictionThreads: 1, thresholdOverride: null);
        var scores = new TransactionScorer(0).Score(challenger, transactions);
        using var api = await RunningApi.StartAsync(directory, new Dictionary<string, string?> { ["FRAUDSTREAM_Api__MirrorChallenger"] = "true" });
        await api.Process.WaitForStderrLineAsync(l => l.Contains("is in force as challenger", StringComparison.Ordinal), "the challenger loaded", ApiFixture.StartLimit);

        // Act
        var body = new JsonObject { ["transactions"] = new JsonArray([.. transactions.Select(t => (JsonNode)ApiFixture.ToJson(t))]) };
        using var response = await RunningApi.PostJsonAsync(api.User, "/predict/batch", body.ToJsonString());
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var scrape = await api.Anonymous.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        // Assert
        var predictions = answer["predictions"]!.AsArray();
        var productionAlerts = predictions.Select(p => p!["is_fraud"]!.GetValue<bool>()).ToList();
        var challengerAlerts = Enumerable.Range(0, transactions.Count).Select(i => scores.Score(i) >= challenger.Threshold).ToList();
        double Counter(string name) =>
            double.Parse(Regex.Match(scrape, $@"^{name}_total\{{version=""{ApiFixture.OlderVersion}""\}} (\S+)", RegexOptions.Multiline).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Multiple(() =>
        {
            Assert.That(predictions.Select(p => p!["model_version"]!.GetValue<string>()).Distinct(), Is.EqualTo(new[] { ApiFixture.NewerVersion }), "production answers");
            Assert.That(Counter("fraudstream_api_challenger_scored"), Is.EqualTo(40), scrape);
            Assert.That(Counter("fraudstream_api_challenger_alerts"), Is.EqualTo(challengerAlerts.Count(a => a)));
            Assert.That(Counter("fraudstream_api_challenger_disagreements"), Is.EqualTo(productionAlerts.Zip(challengerAlerts).Count(x => x.First != x.Second)).And.GreaterThan(0),
                "the two models disagree on some transactions");
        });
    }
}
