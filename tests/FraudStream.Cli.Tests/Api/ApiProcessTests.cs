using System.Net;
using System.Text.Json.Nodes;

namespace FraudStream.Cli.Tests.Api;

/// <summary>API tests that need their own process: a rollback, a tight rate limit, refused settings.</summary>
public sealed class ApiProcessTests
{
    private static readonly Dictionary<string, string?> s_noSettings = [];

    [Test]
    public async Task Rollback_with_an_admin_key_changes_the_served_model_at_once()
    {
        using var api = await RunningApi.StartAsync(ApiFixture.CopyRegistry(), s_noSettings);
        var body = ApiFixture.ToJson(ApiFixture.Transactions(1)[0]).ToJsonString();
        using var before = await RunningApi.PostJsonAsync(api.User, "/predict", body);
        Assert.That(JsonNode.Parse(await before.Content.ReadAsStringAsync())!["model_version"]!.GetValue<string>(), Is.EqualTo(ApiFixture.NewerVersion));

        using var rollback = await api.Admin.PostAsync("/model/rollback", null);
        var answer = JsonNode.Parse(await rollback.Content.ReadAsStringAsync())!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(MappedFiles.Maps(api.Process.Id, MappedFiles.DevelopmentBroker), Is.False,
                "the api never loads the development broker's librdkafka:\n" + string.Join('\n', MappedFiles.Of(api.Process.Id)));
            Assert.That(MappedFiles.Maps(api.Process.Id, MappedFiles.KafkaClientAssembly) || MappedFiles.MapsOfficialClient(api.Process.Id), Is.False,
                "model serving has no Kafka reference: the api loads no Kafka client:\n" + string.Join('\n', MappedFiles.Of(api.Process.Id)));
            Assert.That(rollback.StatusCode, Is.EqualTo(HttpStatusCode.OK), answer.ToJsonString());
            Assert.That(answer["production"]!.GetValue<string>(), Is.EqualTo(ApiFixture.OlderVersion));
            Assert.That(answer["serving"]!.GetValue<string>(), Is.EqualTo(ApiFixture.OlderVersion));
        }

        using var after = await RunningApi.PostJsonAsync(api.User, "/predict", body);
        Assert.That(JsonNode.Parse(await after.Content.ReadAsStringAsync())!["model_version"]!.GetValue<string>(), Is.EqualTo(ApiFixture.OlderVersion));

        // Nothing left to roll back to: a conflict, not a 500.
        using var again = await api.Admin.PostAsync("/model/rollback", null);
        await ApiTests.AssertProblemAsync(again, HttpStatusCode.Conflict);
    }

    [Test]
    public async Task The_api_leaves_the_Kafka_client_properties_unread_and_loads_no_Kafka_client_for_them()
    {
        // A file that cannot be read stops every verb that builds Kafka clients; the api builds none.
        using var api = await RunningApi.StartAsync(ApiFixture.SharedRegistry,
            new Dictionary<string, string?> { ["FRAUDSTREAM_KAFKA_CONFIG"] = "/nonexistent/kafka.properties" });

        Assert.That(MappedFiles.Maps(api.Process.Id, MappedFiles.KafkaClientAssembly), Is.False,
            string.Join('\n', MappedFiles.Of(api.Process.Id)));
    }

    [Test]
    public async Task Requests_over_the_per_key_rate_are_429_and_other_keys_are_not_slowed()
    {
        using var api = await RunningApi.StartAsync(ApiFixture.SharedRegistry, new Dictionary<string, string?> { ["FRAUDSTREAM_Api__RequestsPerSecond"] = "2" });
        var problem = await FirstTooManyRequestsAsync(api.User, "/model/versions");
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("2 requests per second"));

        using var admin = await api.Admin.GetAsync("/model/versions");
        Assert.That(admin.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Keyless_requests_for_the_OpenAPI_document_are_rate_limited_and_keyed_clients_and_health_are_not()
    {
        // Arrange
        using var api = await RunningApi.StartAsync(ApiFixture.SharedRegistry, new Dictionary<string, string?> { ["FRAUDSTREAM_Api__AnonymousRequestsPerSecond"] = "2" });

        // Act
        var problem = await FirstTooManyRequestsAsync(api.Anonymous, "/openapi/v1.json");

        // Assert
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("Api:AnonymousRequestsPerSecond"));

        using var health = await api.Anonymous.GetAsync("/health");
        using var keyed = await api.User.GetAsync("/model/versions");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(keyed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
    }

    [Test]
    public async Task Start_without_keys_is_refused_in_one_sentence()
    {
        var run = await FraudstreamProcess.RunAsync(
            new Dictionary<string, string?> { ["FRAUDSTREAM_Api__Keys__0"] = null, ["FRAUDSTREAM_Api__AdminKeys__0"] = null },
            ApiFixture.StartLimit,
            "api", "--registry", ApiFixture.SharedRegistry, "--url", "http://127.0.0.1:0");
        run.AssertRefused(2, "needs at least one API key");
    }

    [Test]
    public async Task A_keys_file_gives_user_and_admin_keys()
    {
        var file = Path.Combine(Path.GetTempPath(), "fraudstream-keys-" + Guid.NewGuid().ToString("N")[..8]);
        await File.WriteAllLinesAsync(file, ["# API keys", "file-user-key-0123456789", "admin file-admin-key-0123456789", ""]);
        try
        {
            var environment = new Dictionary<string, string?> { ["OMP_WAIT_POLICY"] = "PASSIVE" };
            using var process = FraudstreamProcess.Start(environment, "api", "--registry", ApiFixture.CopyRegistry(), "--url", "http://127.0.0.1:0", "--keys-file", file);
            var line = await process.WaitForStdoutLineAsync(l => l.StartsWith("API listening on ", StringComparison.Ordinal), "its address", ApiFixture.StartLimit);
            await process.WaitForStderrLineAsync(l => l.Contains("is in force", StringComparison.Ordinal), "a model in force", ApiFixture.StartLimit);
            using var user = new HttpClient { BaseAddress = new Uri(line["API listening on ".Length..].Split(' ')[0]) };
            user.DefaultRequestHeaders.Add("X-API-Key", "file-user-key-0123456789");
            using var admin = new HttpClient { BaseAddress = user.BaseAddress };
            admin.DefaultRequestHeaders.Add("X-API-Key", "file-admin-key-0123456789");
            using var versions = await user.GetAsync("/model/versions");
            using var forbidden = await user.PostAsync("/model/rollback", null);
            using var rolledBack = await admin.PostAsync("/model/rollback", null);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(versions.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(forbidden.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
                Assert.That(rolledBack.StatusCode, Is.EqualTo(HttpStatusCode.OK), await rolledBack.Content.ReadAsStringAsync());
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public async Task A_key_longer_than_any_request_may_present_is_refused_at_start()
    {
        var run = await FraudstreamProcess.RunAsync(
            new Dictionary<string, string?> { ["FRAUDSTREAM_Api__AdminKeys__0"] = new string('k', 1025) },
            ApiFixture.StartLimit,
            "api", "--registry", ApiFixture.SharedRegistry, "--url", "http://127.0.0.1:0");
        run.AssertRefused(2, "Api:AdminKeys:0", "at most 1024");
    }

    [Test]
    public async Task A_short_key_is_refused_at_start()
    {
        var run = await FraudstreamProcess.RunAsync(
            new Dictionary<string, string?> { ["FRAUDSTREAM_Api__Keys__0"] = "short" },
            ApiFixture.StartLimit,
            "api", "--registry", ApiFixture.SharedRegistry, "--url", "http://127.0.0.1:0");
        run.AssertRefused(2, "Api:Keys:0", "at least 16");
    }

    [Test]
    public async Task An_unknown_Model_Evaluator_is_refused_at_start()
    {
        var run = await FraudstreamProcess.RunAsync(
            new Dictionary<string, string?> { ["FRAUDSTREAM_Model__Evaluator"] = "compiled" },
            ApiFixture.StartLimit,
            "api", "--registry", ApiFixture.SharedRegistry, "--url", "http://127.0.0.1:0");
        run.AssertRefused(2, "Model:Evaluator must be 'native' or 'managed', not 'compiled'.");
    }

    [Test]
    public async Task The_managed_evaluator_answers_with_native_XGBoosts_scores()
    {
        // Arrange
        using var api = await RunningApi.StartAsync(ApiFixture.SharedRegistry, new Dictionary<string, string?> { ["FRAUDSTREAM_Model__Evaluator"] = "managed" });
        using var native = await ApiTests.LoadProductionModelAsync();
        var transactions = ApiFixture.Transactions(60);
        var body = new JsonObject { ["transactions"] = new JsonArray([.. transactions.Select(t => (JsonNode)ApiFixture.ToJson(t))]) };

        // Act
        using var response = await RunningApi.PostJsonAsync(api.User, "/predict/batch", body.ToJsonString());
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        // Assert
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), answer.ToJsonString());
        var scores = answer["predictions"]!.AsArray().Select(p => p!["score"]!.GetValue<float>()).ToArray();
        var expected = new float[transactions.Count];
        var rows = new float[transactions.Count * native.FeatureCount];
        for (var i = 0; i < transactions.Count; i++)
        {
            native.Pipeline.Extract(transactions[i], rows.AsSpan(i * native.FeatureCount, native.FeatureCount));
        }

        native.Predict(rows, transactions.Count, expected);
        Assert.That(scores, Is.EqualTo(expected), "bit for bit: float32 written and read back as the shortest round-trip text");
        Assert.That(api.Process.StandardError, Has.Some.Contains("scored by the managed evaluator"));
    }

    /// <summary>GETs <paramref name="path"/> until the answer is 429 (at most 20 times) and returns its problem body.</summary>
    private static async Task<JsonNode> FirstTooManyRequestsAsync(HttpClient client, string path)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await client.GetAsync(path);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return await ApiTests.AssertProblemAsync(response, HttpStatusCode.TooManyRequests);
            }
        }

        Assert.Fail($"No 429 in 20 requests to {path}: {string.Join(", ", statuses)}");
        return null!;
    }
}
