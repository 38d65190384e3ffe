using System.Net;
using System.Text.Json.Nodes;

namespace FraudStream.Cli.Tests.Api;

/// <summary>
/// A running `fraudstream api` meets every hostile model version: the production alias pointed at one behind the
/// registry's checks, a rollback to one, and a fresh start with one as the only production model.
/// </summary>
public sealed class HostileModelApiTests
{
    private static readonly Dictionary<string, string?> s_fastPolls = new() { ["FRAUDSTREAM_Model__PollInterval"] = "00:00:00.100" };

    [Test]
    public async Task Each_hostile_production_version_is_refused_once_with_its_reason_and_the_old_model_keeps_serving()
    {
        // Arrange
        var registry = ApiFixture.CopyRegistry();
        using var api = await RunningApi.StartAsync(registry, s_fastPolls);

        // Act: point production at each hostile version in turn, as a manual edit or an older promote could.
        foreach (var hostile in HostileModel.All)
        {
            await hostile.PublishAsync(registry, ApiFixture.NewerVersion);
            await HostileModel.WriteProductionAliasAsync(registry, hostile.Version, ApiFixture.NewerVersion);
            await api.Process.WaitForStderrLineAsync(
                l => l.Contains($"Refused production model {hostile.Version} ({hostile.Reason})", StringComparison.Ordinal),
                $"the refusal of {hostile.Name}",
                ApiFixture.StartLimit);
        }

        // Assert
        using var predict = await RunningApi.PostJsonAsync(api.User, "/predict", ApiFixture.ToJson(ApiFixture.Transactions(1)[0]).ToJsonString());
        var answer = JsonNode.Parse(await predict.Content.ReadAsStringAsync())!;
        var metrics = await api.Anonymous.GetStringAsync("/metrics");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(predict.StatusCode, Is.EqualTo(HttpStatusCode.OK), answer.ToJsonString());
            Assert.That(answer["model_version"]?.GetValue<string>(), Is.EqualTo(ApiFixture.NewerVersion));
            foreach (var reason in HostileModel.All.Select(h => h.Reason).Distinct())
            {
                var count = HostileModel.All.Count(h => h.Reason == reason);
                Assert.That(metrics, Does.Contain($"fraudstream_model_refusals_total{{reason=\"{reason}\"}} {count}"), metrics);
            }

            var refusals = api.Process.StandardError.Where(l => l.Contains("Refused production model", StringComparison.Ordinal)).ToList();
            Assert.That(refusals, Has.Count.EqualTo(HostileModel.All.Count), "one line per refused version, not one per poll");
            Assert.That(api.Process.StandardError, Has.None.Contains("   at "), "no stack trace:\n" + api.Process.Transcript);
        }
    }

    [Test]
    public async Task A_fresh_start_whose_only_production_model_is_hostile_exits_non_zero_saying_why()
    {
        // Arrange
        var registry = ApiFixture.CopyRegistry();
        var hostile = HostileModel.All[0];
        await hostile.PublishAsync(registry, ApiFixture.NewerVersion);
        await HostileModel.WriteProductionAliasAsync(registry, hostile.Version);

        // Act
        var run = await FraudstreamProcess.RunAsync(
            new Dictionary<string, string?> { ["FRAUDSTREAM_Api__Keys__0"] = ApiFixture.UserKey },
            ApiFixture.StartLimit,
            "api", "--registry", registry, "--url", "http://127.0.0.1:0");

        // Assert
        run.AssertCannotServe(hostile.Version, hostile.Reason);
    }

    [Test]
    public async Task A_model_over_Model_MaxModelBytes_is_refused_before_it_is_read()
    {
        // Act: a fresh start whose production model (a few kilobytes) is over a 1 KiB limit.
        var run = await FraudstreamProcess.RunAsync(
            new Dictionary<string, string?> { ["FRAUDSTREAM_Api__Keys__0"] = ApiFixture.UserKey, ["FRAUDSTREAM_Model__MaxModelBytes"] = "1024" },
            ApiFixture.StartLimit,
            "api", "--registry", ApiFixture.CopyRegistry(), "--url", "http://127.0.0.1:0");

        // Assert
        run.AssertCannotServe(ApiFixture.NewerVersion, "too_large");
    }

    [Test]
    public async Task A_rollback_to_each_hostile_version_is_refused_without_server_paths_and_the_model_keeps_serving()
    {
        // Arrange
        var registry = ApiFixture.CopyRegistry();
        using var api = await RunningApi.StartAsync(registry, s_fastPolls);
        var answers = new List<(HostileModel Hostile, HttpStatusCode Status, string Body)>();

        // Act
        foreach (var hostile in HostileModel.All)
        {
            await hostile.PublishAsync(registry, ApiFixture.NewerVersion);
            await HostileModel.WriteProductionAliasAsync(registry, ApiFixture.NewerVersion, hostile.Version);
            using var rollback = await api.Admin.PostAsync("/model/rollback", null);
            answers.Add((hostile, rollback.StatusCode, await rollback.Content.ReadAsStringAsync()));
        }

        var versions = await ApiTests.GetJsonAsync(api.User, "/model/versions");
        await File.WriteAllTextAsync(Path.Combine(registry, "models", "production.json"), "garbage");
        using var garbageAlias = await api.User.GetAsync("/model/versions");
        var garbageAnswer = await garbageAlias.Content.ReadAsStringAsync();

        // Assert
        using (Assert.EnterMultipleScope())
        {
            Assert.That(garbageAlias.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), garbageAnswer);
            Assert.That(garbageAnswer, Does.Not.Contain(registry), "a garbage alias's answer leaks the server's path");
            foreach (var (hostile, status, body) in answers)
            {
                Assert.That(status, Is.EqualTo(HttpStatusCode.BadGateway), $"{hostile.Name}: {body}");
                Assert.That(body, Does.Not.Contain(registry), $"{hostile.Name} leaks the server's path: {body}");
            }

            Assert.That(versions["serving"]!.GetValue<string>(), Is.EqualTo(ApiFixture.NewerVersion));
            Assert.That(versions["production"]!.GetValue<string>(), Is.EqualTo(ApiFixture.NewerVersion));
        }
    }
}
