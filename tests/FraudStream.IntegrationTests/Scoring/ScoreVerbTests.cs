using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using FraudStream.IntegrationTests.Kafka;

namespace FraudStream.IntegrationTests.Scoring;

/// <summary>`fraudstream score` as a user runs it: its management endpoints and its refusal of bad settings.</summary>
[TestFixture]
public sealed class ScoreVerbTests
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);

    [Test]
    public async Task The_management_endpoints_report_health_and_valid_Prometheus_metrics()
    {
        // Arrange
        var registry = await TestModels.DirectoryAsync();
        var scenario = await ScoringScenario.CreateAsync("ops", count: 3_000, partitions: 2, seed: 13,
            bad: [.. PoisonRecords.OneOfEachKind(0)]);
        var environment = FraudstreamProcess.EnvironmentOf(scenario.Settings(TestKafka.UniqueName("txn")));
        var (scorer, http) = await StartAsync(environment, registry);
        using var scorerProcess = scorer;
        using var httpClient = http;

        // Act
        await scenario.WaitUntilAllCommittedAsync(context: () => scorer.Transcript);
        var live = await http.GetAsync(new Uri("/health/live", UriKind.Relative));
        var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var readyBody = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
        // Lag is sampled about once a second: wait until both partitions report that the scorer caught up.
        string[] caughtUp = [.. Enumerable.Range(0, 2).Select(p => $"fraudstream_consumer_lag_records{{partition=\"{p}\",topic=\"{scenario.InputTopic}\"}} 0\n")];
        HttpResponseMessage? metrics = null;
        var scrape = "";
        await Eventually.TrueAsync(async () =>
        {
            metrics = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
            scrape = await metrics.Content.ReadAsStringAsync();
            return caughtUp.All(scrape.Contains);
        }, "both partitions report lag 0", () => scrape, s_limit, TimeSpan.FromMilliseconds(100));

        var lint = await Promtool.CheckMetricsAsync(scrape);

        // Assert
        Assert.Multiple(() =>
        {
            // Its Kafka client is Confluent's official librdkafka; the development broker's patched one is never loaded.
            Assert.That(MappedFiles.Maps(scorer.Id, MappedFiles.KafkaClientAssembly), Is.True, "the scorer's Kafka client assembly");
            Assert.That(MappedFiles.MapsOfficialClient(scorer.Id), Is.True, string.Join('\n', MappedFiles.Of(scorer.Id)));
            Assert.That(MappedFiles.Maps(scorer.Id, MappedFiles.DevelopmentBroker), Is.False, string.Join('\n', MappedFiles.Of(scorer.Id)));
            Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK), readyBody.ToString());
            Assert.That(readyBody.GetProperty("model_version").GetString(), Does.Match(@"^\d{8}_\d{6}$"));
            Assert.That(readyBody.GetProperty("assigned_partitions").GetInt32(), Is.EqualTo(2));
            Assert.That(metrics!.Content.Headers.ContentType?.ToString(), Does.StartWith("text/plain; version=0.0.4"));
            Assert.That(lint.ExitCode, Is.Zero, lint.Output + "\n" + scrape);
            Assert.That(lint.Output, Is.Empty);
            Assert.That(scrape, Does.Match($@"\nfraudstream_records_consumed_total(\{{\}})? {scenario.Records.Count}\n"), "written name{} value by OpenTelemetry's exporter");
            Assert.That(scrape, Does.Contain("fraudstream_records_dead_lettered_total{reason=\"invalid_value\"} 2\n"));
            Assert.That(scrape, Does.Contain("fraudstream_records_dead_lettered_total{reason=\"bad_magic_byte\"} 1\n"));
            Assert.That(scrape, Does.Match(@"fraudstream_model_info\{version=""\d{8}_\d{6}""\} 1"));
            Assert.That(scrape, Does.Contain("fraudstream_end_to_end_latency_seconds_bucket{le=\"+Inf\"}"));
            Assert.That(caughtUp.All(scrape.Contains), Is.True, "lag 0 on both partitions once everything is committed:\n" + scrape);

            // Drift: the model in force, past Scorer:DriftMinimumRows (1000 by default), with its PSI per feature and for the score.
            var version = Regex.Match(scrape, @"fraudstream_model_info\{version=""(\d{8}_\d{6})""\}").Groups[1].Value;
            var rows = Regex.Match(scrape, $@"fraudstream_drift_rows\{{model_version=""{version}""\}} (\d+)\n");
            Assert.That(rows.Success && long.Parse(rows.Groups[1].Value, CultureInfo.InvariantCulture) >= 1000, Is.True, "drift rows of the model in force:\n" + scrape);
            Assert.That(scrape, Does.Match($@"fraudstream_feature_psi\{{feature=""amount"",model_version=""{version}""\}} \d"));
            Assert.That(scrape, Does.Match($@"fraudstream_score_psi\{{model_version=""{version}""\}} \d"));
        });
    }

    /// <summary>Starts `fraudstream score` on a free management port; returns it with a client of its management endpoints.</summary>
    internal static async Task<(FraudstreamProcess Scorer, HttpClient Management)> StartAsync(IReadOnlyDictionary<string, string?> environment, string registry)
    {
        var scorer = FraudstreamProcess.Start(environment, "score", "--registry", registry, "--management-url", "http://127.0.0.1:0");
        try
        {
            var banner = await scorer.WaitForStdoutLineAsync(l => l.Contains("management endpoint: http://", StringComparison.Ordinal), "the endpoint banner", s_limit);
            return (scorer, new HttpClient { BaseAddress = new Uri(banner[banner.IndexOf("http://", StringComparison.Ordinal)..].Split(' ')[0]) });
        }
        catch
        {
            scorer.Dispose();
            throw;
        }
    }

    [Test]
    public async Task Bad_settings_stop_the_scorer_at_start_with_one_sentence_each()
    {
        // Act
        var run = await FraudstreamProcess.RunAsync(
            new Dictionary<string, string?> { ["FRAUDSTREAM_Scorer__BatchSize"] = "0" },
            s_limit,
            "score", "--registry", await TestModels.DirectoryAsync(), "--management-url", "http://127.0.0.1:0");

        // Assert
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Transcript);
        Assert.That(run.StandardError, Has.Some.Contains("Scorer:BootstrapServers is not set"));
        Assert.That(run.StandardError, Has.Some.Contains("Scorer:TransactionalId is not set"));
        Assert.That(run.StandardError, Has.Some.Contains("Scorer:BatchSize must be a whole number from 1 to 100000, not 0."));
    }

    [Test]
    public async Task An_OTLP_endpoint_that_cannot_work_stops_the_scorer_at_start_with_one_sentence()
    {
        // Act
        var run = await FraudstreamProcess.RunAsync(
            new Dictionary<string, string?> { ["FRAUDSTREAM_Telemetry__OtlpEndpoint"] = "otel-collector:4317" },
            s_limit,
            "score", "--registry", await TestModels.DirectoryAsync(), "--management-url", "http://127.0.0.1:0");

        // Assert
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Transcript);
        Assert.That(
            run.StandardError,
            Has.Some.EqualTo("Telemetry:OtlpEndpoint (or OTEL_EXPORTER_OTLP_ENDPOINT) must be an http or https URL such as http://otel-collector:4317, not 'otel-collector:4317'."));
    }

    [TestCase("FRAUDSTREAM_SchemaRegistry__BasicAuthUserInfo", "no-colon", "SchemaRegistry:BasicAuthUserInfo must be user:password.")]
    [TestCase("FRAUDSTREAM_SchemaRegistry__SslCaLocation", "/nonexistent/ca.pem", "SchemaRegistry:SslCaLocation '/nonexistent/ca.pem' is not a file: name the CA certificate (PEM).")]
    [TestCase("FRAUDSTREAM_SchemaRegistry__RequestTimeout", "soon", "Failed to convert configuration value 'soon' at 'SchemaRegistry:RequestTimeout' to type 'System.TimeSpan'. Fix that setting.")]
    public async Task A_schema_registry_setting_that_cannot_work_stops_the_scorer_at_start_with_one_sentence(string variable, string value, string sentence)
    {
        // Act
        var run = await FraudstreamProcess.RunAsync(
            new Dictionary<string, string?> { ["FRAUDSTREAM_SchemaRegistry__Url"] = "http://127.0.0.1:9", [variable] = value },
            s_limit,
            "score", "--registry", await TestModels.DirectoryAsync(), "--management-url", "http://127.0.0.1:0");

        // Assert
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Transcript);
        Assert.That(run.StandardError, Has.Some.EqualTo(sentence), run.Transcript);
    }

    [Test]
    public async Task A_topic_missing_on_the_cluster_stops_the_scorer_at_start_with_one_sentence()
    {
        // Arrange: every topic exists but the alerts topic, misspelt.
        var input = await TestKafka.CreateTopicAsync("missing-topic-in", 1);
        var deadLetters = await TestKafka.CreateTopicAsync("missing-topic-dlq", 1);
        var misspelt = TestKafka.UniqueName("fraud-alerst");
        var environment = new Dictionary<string, string?>(await TestKafka.HistoryEnvironmentAsync("missing-topic", 1))
        {
            ["FRAUDSTREAM_Scorer__BootstrapServers"] = TestKafka.BootstrapServers,
            ["FRAUDSTREAM_Scorer__InputTopic"] = input,
            ["FRAUDSTREAM_Scorer__AlertsTopic"] = misspelt,
            ["FRAUDSTREAM_Scorer__DeadLetterTopic"] = deadLetters,
            ["FRAUDSTREAM_Scorer__GroupId"] = TestKafka.UniqueName("missing-topic"),
            ["FRAUDSTREAM_Scorer__TransactionalId"] = TestKafka.UniqueName("txn"),
        };

        // Act
        var run = await FraudstreamProcess.RunAsync(environment, s_limit,
            "score", "--registry", await TestModels.DirectoryAsync(), "--management-url", "http://127.0.0.1:0");

        // Assert: one sentence naming the topic and the setting; the topic was not created by asking.
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Transcript);
        Assert.That(run.StandardError.Where(l => l.StartsWith("The topic", StringComparison.Ordinal)), Is.EqualTo(new[]
        {
            $"The topic '{misspelt}' (Scorer:AlertsTopic) does not exist on the cluster at {TestKafka.BootstrapServers}: "
            + "create it, or name an existing topic in Scorer:AlertsTopic.",
        }), run.Transcript);
        using var admin = TestKafka.AdminClient();
        Assert.That(admin.GetMetadata(TimeSpan.FromSeconds(30)).Topics.Select(t => t.Topic), Has.None.EqualTo(misspelt));
    }

    [Test]
    public async Task A_scorer_fenced_by_a_second_instance_with_its_transactional_id_exits_3_with_one_sentence()
    {
        // Arrange: two `fraudstream score` processes misconfigured with one transactional id; the stream arrives once
        // the second has started, so the first still has work when the second's InitTransactions fences it.
        var registry = await TestModels.DirectoryAsync();
        var scenario = await ScoringScenario.CreateAsync("fenced-exit", count: 20_000, partitions: 2, seed: 15, produceFirst: 2_000);
        var environment = FraudstreamProcess.EnvironmentOf(scenario.Settings(TestKafka.UniqueName("txn-shared")));
        string[] arguments = ["score", "--registry", registry, "--management-url", "http://127.0.0.1:0"];
        using var first = FraudstreamProcess.Start(environment, arguments);
        await scenario.WaitUntilCommittedAsync(2_000, s_limit, () => first.Transcript);

        // Act
        using var second = FraudstreamProcess.Start(environment, arguments);
        await second.WaitForStdoutLineAsync(l => l.Contains("management endpoint", StringComparison.Ordinal), "the second scorer's start banner", s_limit);
        await scenario.ProduceRestAsync();
        var firstExit = await first.WaitForExitAsync(s_limit);

        // Assert
        Assert.That(firstExit, Is.EqualTo(3), first.Transcript);
        Assert.That(first.StandardError.Where(l => l.StartsWith("Another scorer instance", StringComparison.Ordinal)).Distinct().ToList(),
            Has.Count.EqualTo(1).And.All.Contains("give every instance its own Scorer:TransactionalId."), first.Transcript);
        await scenario.WaitUntilAllCommittedAsync(context: () => second.Transcript);
        second.SendSigterm();
        Assert.That(await second.WaitForExitAsync(s_limit), Is.Zero, second.Transcript);
    }
}
