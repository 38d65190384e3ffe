using System.Net;
using System.Text.Json.Nodes;
using FraudStream.Registry;
using FraudStream.Registry.Stores;
using FraudStream.Serving;

namespace FraudStream.Cli.Tests.Api;

/// <summary>`fraudstream api` as a client sees it: keys, validation, limits, scores equal to the streaming scorer's, metrics.</summary>
public sealed class ApiTests
{
    private static RunningApi Api => ApiFixture.Api;

    private static string ValidBody() => ApiFixture.ToJson(ApiFixture.Transactions(1)[0]).ToJsonString();

    [Test]
    public async Task Predict_without_a_key_is_401()
    {
        using var response = await RunningApi.PostJsonAsync(Api.Anonymous, "/predict", ValidBody());
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Predict_with_a_wrong_key_is_401()
    {
        using var client = Api.WithKey("not-a-key-0123456789abcdef");
        using var response = await RunningApi.PostJsonAsync(client, "/predict", ValidBody());
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Rollback_with_a_non_admin_key_is_403_and_changes_nothing()
    {
        using var response = await Api.User.PostAsync("/model/rollback", null);
        await AssertProblemAsync(response, HttpStatusCode.Forbidden);
        var versions = await GetJsonAsync(Api.User, "/model/versions");
        Assert.That(versions["production"]!.GetValue<string>(), Is.EqualTo(ApiFixture.NewerVersion));
    }

    [Test]
    public async Task Health_and_metrics_need_no_key()
    {
        using var health = await Api.Anonymous.GetAsync("/health");
        using var metrics = await Api.Anonymous.GetAsync("/metrics");
        using var openApi = await Api.Anonymous.GetAsync("/openapi/v1.json");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(metrics.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(openApi.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var document = JsonNode.Parse(await openApi.Content.ReadAsStringAsync())!;
        Assert.That(document["paths"]!.AsObject().Select(p => p.Key), Is.SupersetOf(new[] { "/predict", "/predict/batch", "/model/rollback" }));
    }

    [Test]
    public async Task The_OpenAPI_document_says_which_operations_need_an_X_API_Key()
    {
        using var openApi = await Api.Anonymous.GetAsync("/openapi/v1.json");
        var document = JsonNode.Parse(await openApi.Content.ReadAsStringAsync())!;
        var scheme = document["components"]?["securitySchemes"]?["ApiKey"];
        var paths = document["paths"]!;
        static string[] SchemesOf(JsonNode? operation) =>
            operation?["security"]?.AsArray().SelectMany(r => r!.AsObject().Select(p => p.Key)).ToArray() ?? [];

        using (Assert.EnterMultipleScope())
        {
            Assert.That(scheme?["type"]?.GetValue<string>(), Is.EqualTo("apiKey"));
            Assert.That(scheme?["in"]?.GetValue<string>(), Is.EqualTo("header"));
            Assert.That(scheme?["name"]?.GetValue<string>(), Is.EqualTo("X-API-Key"));
            Assert.That(SchemesOf(paths["/predict"]?["post"]), Is.EqualTo(new[] { "ApiKey" }));
            Assert.That(SchemesOf(paths["/model/versions"]?["get"]), Is.EqualTo(new[] { "ApiKey" }));
            Assert.That(SchemesOf(paths["/model/rollback"]?["post"]), Is.EqualTo(new[] { "ApiKey" }));
            Assert.That(paths["/model/rollback"]?["post"]?["description"]?.GetValue<string>(), Does.Contain("admin key"));
            Assert.That(SchemesOf(paths["/health"]?["get"]), Is.Empty, "health needs no key");
        }
    }

    [TestCase("/predict", "{\"amount\": 1, BODY")]
    [TestCase("/predict", "{\"unknown\": 1, \"unknown\": 2, BODY")]
    [TestCase("/predict/batch", "{\"transactions\": [], \"transactions\": [{BODY]}")]
    [TestCase("/predict/batch", "{\"transactions\": [{\"card_id\": \"other\", BODY]}")]
    public async Task A_field_name_given_twice_is_refused_wherever_it_stands(string path, string template)
    {
        // Arrange: BODY is a valid transaction without its opening brace; the template repeats a name before it.
        var body = template.Replace("BODY", ValidBody()[1..], StringComparison.Ordinal);

        // Act
        using var response = await RunningApi.PostJsonAsync(Api.User, path, body);

        // Assert
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]?.ToJsonString(), Does.Contain("duplicate").IgnoreCase, problem.ToJsonString());
    }

    [Test]
    public async Task The_OpenAPI_document_is_served_from_a_cache_and_never_names_the_requests_Host()
    {
        // Act
        var first = await GetOpenApiAsync("attacker.example");
        var second = await GetOpenApiAsync("other.example");

        // Assert
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Body, Does.Not.Contain("attacker.example"));
            Assert.That(JsonNode.Parse(first.Body)!["servers"]![0]!["url"]!.GetValue<string>(), Is.EqualTo("/"), "Api:Url here has port 0: the document's own origin");
            Assert.That(second.Body, Is.EqualTo(first.Body));
            Assert.That(second.Age, Is.Not.Null, "the second answer comes from the output cache (it carries Age)");
        }
    }

    [Test]
    public async Task A_body_that_is_not_json_is_401_without_a_key_and_a_415_problem_with_one()
    {
        // Act
        using var anonymous = await Api.Anonymous.PostAsync("/predict", new StringContent(ValidBody(), System.Text.Encoding.UTF8, "text/plain"));
        using var keyed = await Api.User.PostAsync("/predict", new StringContent(ValidBody(), System.Text.Encoding.UTF8, "text/plain"));

        // Assert
        await AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized);
        await AssertProblemAsync(keyed, HttpStatusCode.UnsupportedMediaType);
    }

    [Test]
    public async Task A_compressed_body_is_a_415_naming_the_encoding()
    {
        // Arrange
        using var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(System.Text.Encoding.UTF8.GetBytes(ValidBody()));
        }

        using var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");

        // Act
        using var response = await Api.User.PostAsync("/predict", content);

        // Assert
        var problem = await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("gzip"));
    }

    [TestCase("2026/03/14 9:30")]
    [TestCase("2026-03-14 09:30:00 PM")]
    [TestCase("0001-01-01T00:00:00Z")]
    [TestCase("2026-03-14")]
    public async Task An_event_time_that_is_not_a_plausible_ISO_8601_time_is_422(string eventTime)
    {
        using var response = await PredictAtAsync(eventTime);

        var problem = await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.That(problem["errors"]?["event_time"]?[0]?.GetValue<string>(), Does.Contain("ISO 8601"), problem.ToJsonString());
    }

    [TestCase("2026-03-14T09:30:00Z")]
    [TestCase("2026-03-14T09:30:00.125+01:00")]
    [TestCase("2026-03-14T09:30:00")]
    public async Task An_ISO_8601_event_time_is_scored(string eventTime)
    {
        using var response = await PredictAtAsync(eventTime);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task Routing_errors_are_problems_too()
    {
        // Act
        using var wrongMethod = await Api.User.GetAsync("/predict");
        using var unknownPath = await Api.User.GetAsync("/no-such-endpoint");

        // Assert
        await AssertProblemAsync(wrongMethod, HttpStatusCode.MethodNotAllowed);
        await AssertProblemAsync(unknownPath, HttpStatusCode.NotFound);
    }

    [Test]
    public async Task The_OpenAPI_document_lists_only_json_request_bodies()
    {
        var document = await GetOpenApiAsync("localhost");
        var content = JsonNode.Parse(document.Body)!["paths"]!["/predict"]!["post"]!["requestBody"]!["content"]!.AsObject();
        Assert.That(content.Select(c => c.Key), Is.EqualTo(new[] { "application/json" }));
    }

    [Test]
    public async Task Predict_equals_the_scoring_model_on_the_same_transactions()
    {
        using var model = await LoadProductionModelAsync();
        foreach (var transaction in ApiFixture.Transactions(40))
        {
            using var response = await RunningApi.PostJsonAsync(Api.User, "/predict", ApiFixture.ToJson(transaction).ToJsonString());
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

            var row = new float[model.FeatureCount];
            model.Pipeline.Extract(transaction, row);
            var expected = new float[1];
            model.Predict(row, 1, expected);

            using (Assert.EnterMultipleScope())
            {
                Assert.That(answer["transaction_id"]!.GetValue<string>(), Is.EqualTo(transaction.TransactionId));
                Assert.That(answer["score"]!.GetValue<float>(), Is.EqualTo(expected[0]));
                Assert.That(answer["threshold"]!.GetValue<float>(), Is.EqualTo(model.Threshold));
                Assert.That(answer["is_fraud"]!.GetValue<bool>(), Is.EqualTo(expected[0] >= model.Threshold));
                Assert.That(answer["model_version"]!.GetValue<string>(), Is.EqualTo(ApiFixture.NewerVersion));
                Assert.That(answer["top_features"]!.AsArray(), expected[0] >= model.Threshold ? Is.Not.Empty : Is.Empty);
                Assert.That(answer["history"]!.GetValue<string>(), Is.EqualTo(model.Pipeline.UsesHistory ? "missing" : "not_used"),
                    "each answer says whether history features were missing");
            }
        }
    }

    [Test]
    public async Task Managed_explanations_equal_native_ones_and_exact_SHAP_stays_native()
    {
        // Arrange: the production model three ways: managed (approximate explanations in managed code), native, exact SHAP.
        var registry = new ModelRegistry(new LocalDirectoryModelStore(ApiFixture.SharedRegistry));
        var (metadata, bytes) = await registry.LoadAsync(ApiFixture.NewerVersion);
        using var managed = ScoringModel.Create(metadata, bytes, predictionThreads: 1, thresholdOverride: null, managed: true);
        using var native = ScoringModel.Create(metadata, bytes, predictionThreads: 1, thresholdOverride: null, managed: false);
        using var exact = ScoringModel.Create(metadata, bytes, predictionThreads: 1, thresholdOverride: null, exactContributions: true, managed: true);
        var transactions = ApiFixture.Transactions(40);
        var rows = new float[transactions.Count * managed.FeatureCount];
        managed.Pipeline.ExtractBatch(transactions, [], rows);
        var fromManaged = new float[transactions.Count * (managed.FeatureCount + 1)];
        var fromNative = new float[fromManaged.Length];

        // Act
        managed.Explain(rows, transactions.Count, fromManaged);
        native.Explain(rows, transactions.Count, fromNative);

        // Assert
        using (Assert.EnterMultipleScope())
        {
            Assert.That(managed.ManagedExplanations, Is.True);
            Assert.That(native.ManagedExplanations, Is.False);
            Assert.That(exact.ManagedExplanations, Is.False, "exact SHAP values come from XGBoost");
            Assert.That(fromManaged.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(fromNative.Select(BitConverter.SingleToInt32Bits)));
        }
    }

    [Test]
    public async Task Batch_answers_in_order_with_the_same_scores_as_single_predictions()
    {
        var transactions = ApiFixture.Transactions(ApiFixture.MaxBatchSize, seed: 12);
        var body = new JsonObject { ["transactions"] = new JsonArray([.. transactions.Select(t => (JsonNode)ApiFixture.ToJson(t))]) };
        using var response = await RunningApi.PostJsonAsync(Api.User, "/predict/batch", body.ToJsonString());
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var predictions = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["predictions"]!.AsArray();
        Assert.That(predictions.Select(p => p!["transaction_id"]!.GetValue<string>()), Is.EqualTo(transactions.Select(t => t.TransactionId)));

        using var single = await RunningApi.PostJsonAsync(Api.User, "/predict", ApiFixture.ToJson(transactions[7]).ToJsonString());
        var answer = JsonNode.Parse(await single.Content.ReadAsStringAsync())!;
        Assert.That(predictions[7]!["score"]!.GetValue<float>(), Is.EqualTo(answer["score"]!.GetValue<float>()));
    }

    [Test]
    public async Task A_batch_over_the_limit_is_413_naming_the_limit()
    {
        var transactions = ApiFixture.Transactions(ApiFixture.MaxBatchSize + 1, seed: 13);
        var body = new JsonObject { ["transactions"] = new JsonArray([.. transactions.Select(t => (JsonNode)ApiFixture.ToJson(t))]) };
        using var response = await RunningApi.PostJsonAsync(Api.User, "/predict/batch", body.ToJsonString());
        var problem = await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain($"at most {ApiFixture.MaxBatchSize} transactions"));
    }

    [Test]
    public async Task A_body_over_the_limit_is_413()
    {
        var padded = ApiFixture.ToJson(ApiFixture.Transactions(1)[0]);
        padded["padding"] = new string('x', ApiFixture.MaxBodyBytes);
        using var response = await RunningApi.PostJsonAsync(Api.User, "/predict", padded.ToJsonString());
        var problem = await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain(ApiFixture.MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [TestCase("amount", "-1", HttpStatusCode.UnprocessableEntity, "must be finite and >= 0")]
    [TestCase("amount", "1e400", HttpStatusCode.UnprocessableEntity, "must be finite and >= 0")]
    [TestCase("amount", "\"12.50\"", HttpStatusCode.BadRequest, "must be a number")]
    [TestCase("channel", "\"TELEPATHY\"", HttpStatusCode.UnprocessableEntity, "must be one of POS")]
    [TestCase("channel", "3", HttpStatusCode.BadRequest, "must be a string")]
    [TestCase("transaction_id", "\"\"", HttpStatusCode.UnprocessableEntity, "must not be empty")]
    [TestCase("card_id", "\"  \"", HttpStatusCode.UnprocessableEntity, "must not be empty")]
    [TestCase("merchant_category", "\"54x1\"", HttpStatusCode.UnprocessableEntity, "four digits")]
    [TestCase("event_time", "\"yesterday\"", HttpStatusCode.UnprocessableEntity, "ISO 8601")]
    [TestCase("card_present", "\"yes\"", HttpStatusCode.BadRequest, "must be true or false")]
    [TestCase("merchant_latitude", "91", HttpStatusCode.UnprocessableEntity, "from -90 to 90")]
    public async Task A_bad_field_is_a_problem_naming_it(string field, string value, HttpStatusCode status, string message)
    {
        var json = ApiFixture.ToJson(ApiFixture.Transactions(1)[0]);
        json.Remove(field);
        var body = json.ToJsonString().TrimEnd('}') + $",\"{field}\":{value}}}";
        using var response = await RunningApi.PostJsonAsync(Api.User, "/predict", body);
        var problem = await AssertProblemAsync(response, status);
        Assert.That(problem["errors"]![field]![0]!.GetValue<string>(), Does.Contain(message), problem.ToJsonString());
    }

    [Test]
    public async Task Malformed_json_is_400_naming_the_body()
    {
        using var response = await RunningApi.PostJsonAsync(Api.User, "/predict", "{\"transaction_id\": ");
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!["body"]![0]!.GetValue<string>(), Does.Contain("not valid JSON"));
    }

    [Test]
    public async Task A_missing_field_is_422_naming_it()
    {
        var json = ApiFixture.ToJson(ApiFixture.Transactions(1)[0]);
        json.Remove("currency");
        using var response = await RunningApi.PostJsonAsync(Api.User, "/predict", json.ToJsonString());
        var problem = await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.That(problem["errors"]!["currency"]![0]!.GetValue<string>(), Is.EqualTo("is required."));
    }

    [Test]
    public async Task Model_versions_and_info_come_from_the_registry()
    {
        var versions = await GetJsonAsync(Api.User, "/model/versions");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(versions["production"]!.GetValue<string>(), Is.EqualTo(ApiFixture.NewerVersion));
            Assert.That(versions["serving"]!.GetValue<string>(), Is.EqualTo(ApiFixture.NewerVersion));
            Assert.That(
                versions["versions"]!.AsArray().Select(v => v!["version"]!.GetValue<string>()),
                Is.EqualTo(new[] { ApiFixture.NewerVersion, ApiFixture.OlderVersion }));
        }

        var info = await GetJsonAsync(Api.User, $"/model/info/{ApiFixture.OlderVersion}");
        Assert.That(info["version"]!.GetValue<string>(), Is.EqualTo(ApiFixture.OlderVersion));

        using var unknown = await Api.User.GetAsync("/model/info/20200101_000000");
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound);
        using var notAVersion = await Api.User.GetAsync("/model/info/latest");
        await AssertProblemAsync(notAVersion, HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Metrics_pass_promtool_and_count_api_requests()
    {
        using (await RunningApi.PostJsonAsync(Api.User, "/predict", ValidBody()))
        {
        }

        var scrape = await Api.Anonymous.GetStringAsync("/metrics");
        var check = await Promtool.CheckMetricsAsync(scrape);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(check.ExitCode, Is.Zero, check.Output + "\n" + scrape);
            Assert.That(scrape, Does.Contain("fraudstream_api_requests_total{route=\"/predict\",status=\"200\"}"));
            Assert.That(scrape, Does.Contain("fraudstream_api_request_duration_seconds_bucket{route=\"/predict\""));
            Assert.That(scrape, Does.Contain("fraudstream_model_info{version=\"" + ApiFixture.NewerVersion + "\"} 1"));
        }
    }

    internal static async Task<JsonNode> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(status), text);
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), text);
        }

        var problem = JsonNode.Parse(text)!;
        Assert.That(problem["status"]!.GetValue<int>(), Is.EqualTo((int)status));
        return problem;
    }

    /// <summary>POSTs a valid transaction to /predict with its event_time replaced by <paramref name="eventTime"/>.</summary>
    private static Task<HttpResponseMessage> PredictAtAsync(string eventTime)
    {
        var body = ApiFixture.ToJson(ApiFixture.Transactions(1)[0]);
        body["event_time"] = eventTime;
        return RunningApi.PostJsonAsync(Api.User, "/predict", body.ToJsonString());
    }

    private static async Task<(string Body, TimeSpan? Age)> GetOpenApiAsync(string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json");
        request.Headers.Host = host;
        using var response = await Api.Anonymous.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return (await response.Content.ReadAsStringAsync(), response.Headers.Age);
    }

    internal static async Task<JsonNode> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonNode.Parse(text)!;
    }

    internal static async Task<ScoringModel> LoadProductionModelAsync()
    {
        var registry = new ModelRegistry(new LocalDirectoryModelStore(ApiFixture.SharedRegistry));
        var (metadata, bytes) = await registry.LoadAsync(ApiFixture.NewerVersion);
        return ScoringModel.Create(metadata, bytes, predictionThreads: 1, thresholdOverride: null);
    }
}
