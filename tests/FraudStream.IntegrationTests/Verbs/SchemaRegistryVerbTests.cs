using System.Globalization;
using System.Net;
using System.Text.Json;
using Confluent.Kafka;
using FraudStream.Avro;
using FraudStream.Avro.Registry;
using FraudStream.Core.Outputs;
using FraudStream.IntegrationTests.Kafka;
using FraudStream.IntegrationTests.Scoring;
using FraudStream.Simulation;
using FraudStream.Streaming.ExactlyOnce;
using Transaction = FraudStream.Core.Transactions.Transaction;

namespace FraudStream.IntegrationTests.Verbs;

/// <summary>
/// `fraudstream score`, `loadgen` and `alerts` given a Schema Registry URL, end to end against a test double of the
/// registry's REST API instead of the compiled-in catalog.
/// </summary>
[TestFixture]
public sealed class SchemaRegistryVerbTests
{
    // The local catalog's ids are 1-3: an id from 1001 up can only have come from the registry.
    private const int FirstRegistryId = 1001;
    private const int Count = 2_000;
    private const int Seed = 23;
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(90);

    [Test]
    public async Task Score_loadgen_and_alerts_with_a_registry_URL_register_and_resolve_every_schema_there()
    {
        // Arrange: a scorer whose SchemaRegistry:Url names the double, ready (model loaded, partitions assigned) before any traffic.
        await using var schemaRegistry = new FakeSchemaRegistryServer(FirstRegistryId);
        var url = schemaRegistry.Url.AbsoluteUri;
        var registry = await TestModels.DirectoryAsync();
        using var model = await TestModels.LoadAsync(registry, await TestModels.FirstAsync());
        var input = await TestKafka.CreateTopicAsync("registry-in", 2);
        var alertsTopic = await TestKafka.CreateTopicAsync("registry-alerts", 2);
        var deadLetters = await TestKafka.CreateTopicAsync("registry-dlq", 1);
        var history = await TestKafka.CreateHistoryTopicsAsync("registry", 2);
        var group = TestKafka.UniqueName("registry-scorer");
        var settings = new Dictionary<string, string?>
        {
            ["Scorer:BootstrapServers"] = TestKafka.BootstrapServers,
            ["Scorer:InputTopic"] = input,
            ["Scorer:AlertsTopic"] = alertsTopic,
            ["Scorer:DeadLetterTopic"] = deadLetters,
            ["Scorer:ChangelogTopic"] = history.Changelog,
            ["Scorer:LabelsTopic"] = history.Labels,
            ["Scorer:GroupId"] = group,
            ["Scorer:TransactionalId"] = TestKafka.UniqueName("txn"),
            ["Scorer:BatchSize"] = "500",
            ["Scorer:Linger"] = "00:00:00.020",
            ["SchemaRegistry:Url"] = url,
        };
        var environment = FraudstreamProcess.EnvironmentOf(settings);
        using var scorer = FraudstreamProcess.Start(environment, "score", "--registry", registry, "--management-url", "http://127.0.0.1:0");
        await WaitUntilReadyAsync(scorer);

        // Act
        var loadgen = await FraudstreamProcess.RunAsync(s_limit,
            "loadgen", "--bootstrap-servers", TestKafka.BootstrapServers, "--topic", input, "--schema-registry-url", url, "--no-labels",
            "--count", Count.ToString(CultureInfo.InvariantCulture), "--rate", "4000", "--fraud-ratio", "0.05", "--seed", Seed.ToString(CultureInfo.InvariantCulture));
        Assert.That(loadgen.ExitCode, Is.Zero, loadgen.Transcript);
        await TestKafka.WaitUntilCommittedAsync(group, input, partitions: 2, Count, s_limit, () => scorer.Transcript);
        scorer.SendSigterm();
        var scorerExitCode = await scorer.WaitForExitAsync(s_limit);

        // Assert: every schema id on the topics came from the double, under the topic's subject; nothing dead-lettered.
        var inputRecords = TestKafka.ReadAllRecords(input, 2, IsolationLevel.ReadCommitted);
        var alertRecords = TestKafka.ReadAllRecords(alertsTopic, 2, IsolationLevel.ReadCommitted);
        var deadLetterReasons = TestKafka.ReadAllRecords(deadLetters, 1, IsolationLevel.ReadCommitted)
            .Select(l => $"{DeadLetterHeaders.Get(l.Message.Headers, DeadLetterHeaders.Reason)}: {DeadLetterHeaders.Get(l.Message.Headers, DeadLetterHeaders.Error)}")
            .ToList();
        var subjects = schemaRegistry.Subjects;
        var inputSubject = SchemaSubjects.ForTopicValue(input);
        var alertsSubject = SchemaSubjects.ForTopicValue(alertsTopic);
        var inputIds = inputRecords.Select(r => SchemaIdOf(r.Message.Value)).Distinct().ToList();
        var alertIds = alertRecords.Select(r => SchemaIdOf(r.Message.Value)).Distinct().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(scorerExitCode, Is.Zero, scorer.Transcript);
            Assert.That(subjects.Keys, Is.EquivalentTo(new[] { inputSubject, alertsSubject }), "the subjects registered with the double (<topic>-value)");
            Assert.That(inputRecords, Has.Count.EqualTo(Count), "input records");
            Assert.That(inputIds, Is.All.GreaterThanOrEqualTo(FirstRegistryId), "loadgen framed its records with a local catalog id, not a registry one");
            Assert.That(inputIds, Is.SubsetOf(subjects.GetValueOrDefault(inputSubject, [])), $"input schema ids not registered under {inputSubject}");
            Assert.That(deadLetterReasons, Is.Empty, "dead letters: the scorer could not read input it should have resolved through the registry");
            Assert.That(alertRecords, Is.Not.Empty, "committed alerts\n" + scorer.Transcript);
            Assert.That(alertIds, Is.All.GreaterThanOrEqualTo(FirstRegistryId), "the scorer framed its alerts with a local catalog id, not a registry one");
            Assert.That(alertIds, Is.SubsetOf(subjects.GetValueOrDefault(alertsSubject, [])), $"alert schema ids not registered under {alertsSubject}");
        });

        // Assert: decoded with the writer schemas the double holds for those ids, the input is what loadgen generated
        // and the alerts are exactly what the model alerts on.
        using var client = new SchemaRegistryClient(new SchemaRegistryOptions { Url = schemaRegistry.Url });
        var codec = new TransactionMessageCodec(client, new TransactionAvroCodec());
        var transactions = new List<Transaction>();
        foreach (var record in inputRecords)
        {
            transactions.Add(await codec.DecodeAsync(record.Message.Value));
        }

        var alerts = new List<FraudAlert>();
        foreach (var record in alertRecords)
        {
            var writerSchema = await client.GetSchemaAsync(SchemaIdOf(record.Message.Value));
            alerts.Add(new FraudAlertAvroCodec().Decode(record.Message.Value.AsSpan(ConfluentWireFormat.HeaderSize), writerSchema));
        }

        var generated = new TransactionGenerator(new GeneratorOptions { Seed = Seed, FraudRatio = 0.05 }).Generate(Count).Select(t => t.Transaction);
        // Input in offset order per partition: each card's transactions in the order the scorer's features saw them.
        var expectedHistory = ScoringScenario.HistoryOf(transactions);
        var expectedAlerts = transactions.Where(t => ScoringScenario.ScoreOf(model, t, expectedHistory[t.TransactionId]) >= model.Threshold).Select(t => t.TransactionId).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(transactions.OrderBy(t => t.TransactionId, StringComparer.Ordinal), Is.EqualTo(generated.OrderBy(t => t.TransactionId, StringComparer.Ordinal)),
                "the input decoded with the registry's schema is not what loadgen generated");
            Assert.That(alerts.Select(a => a.TransactionId), Is.EquivalentTo(expectedAlerts), "the committed alerts are not exactly what the model alerts on");
            Assert.That(alerts.Select(a => a.SourceTopic).Distinct(), Is.EqualTo(new[] { input }));
        });

        // Act: `fraudstream alerts` reads the committed alerts back, resolving their schema id through the registry.
        var alertsRun = await FraudstreamProcess.RunAsync(s_limit,
            "alerts", "--bootstrap-servers", TestKafka.BootstrapServers, "--topic", alertsTopic, "--schema-registry-url", url,
            "--from-beginning", "--json", "--max", alerts.Count.ToString(CultureInfo.InvariantCulture));

        // Assert
        Assert.That(alertsRun.ExitCode, Is.Zero, alertsRun.Transcript);
        var printed = alertsRun.StandardOutput.Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("transaction_id").GetString())
            .ToList();
        Assert.Multiple(() =>
        {
            Assert.That(printed, Is.EquivalentTo(alerts.Select(a => a.TransactionId)), "`fraudstream alerts` printed other transactions than the committed alerts\n" + alertsRun.Transcript);
            Assert.That(alertsRun.StandardError, Has.None.StartsWith("Skipped"), alertsRun.Transcript);
        });
    }

    private static int SchemaIdOf(byte[] value) => ConfluentWireFormat.ReadHeader(value, out _);

    /// <summary>Waits for the scorer's /health/ready to answer 200: model loaded, producer ready, partitions assigned.</summary>
    private static async Task WaitUntilReadyAsync(FraudstreamProcess scorer)
    {
        var banner = await scorer.WaitForStdoutLineAsync(l => l.Contains("management endpoint: http://", StringComparison.Ordinal), "the endpoint banner", s_limit);
        using var http = new HttpClient { BaseAddress = new Uri(banner[banner.IndexOf("http://", StringComparison.Ordinal)..].Split(' ')[0]) };
        var answer = "";
        await Eventually.TrueAsync(async () =>
        {
            using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
            answer = await ready.Content.ReadAsStringAsync();
            return ready.StatusCode == HttpStatusCode.OK;
        }, "the scorer reports ready", () => $"{answer}\n{scorer.Transcript}", s_limit, TimeSpan.FromMilliseconds(100));
    }
}
