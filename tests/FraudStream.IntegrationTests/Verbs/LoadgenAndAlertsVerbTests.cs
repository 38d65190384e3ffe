using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using FraudStream.Avro;
using FraudStream.Core.Outputs;
using FraudStream.IntegrationTests.Kafka;
using FraudStream.IntegrationTests.Scoring;
using FraudStream.Simulation;
using FraudStream.Streaming;
using Transaction = FraudStream.Core.Transactions.Transaction;

namespace FraudStream.IntegrationTests.Verbs;

/// <summary>`fraudstream loadgen` and `fraudstream alerts` as a user runs them, against the broker fixture.</summary>
[TestFixture]
public sealed partial class LoadgenAndAlertsVerbTests
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_kafkaTimeout = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Loadgen_with_a_count_produces_exactly_that_many_generated_transactions_keyed_by_card()
    {
        // Arrange
        var topic = await TestKafka.CreateTopicAsync("loadgen-count", 3);

        // Act
        var run = await Loadgen("--topic", topic, "--count", "400", "--rate", "2000", "--seed", "11");

        // Assert
        Assert.That(run.ExitCode, Is.Zero, run.Transcript);
        var records = await ReadTransactionsAsync(topic, 3);
        var expected = new TransactionGenerator(new GeneratorOptions { Seed = 11 }).Generate(400).Select(t => t.Transaction).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(records, Has.Count.EqualTo(400));
            Assert.That(records.Select(r => r.Key), Is.EqualTo(records.Select(r => r.Transaction.CardId)), "key = card id");
            Assert.That(records.Select(r => r.SchemaId).Distinct(), Is.EqualTo(new[] { ScoringScenario.Catalog.IdOf("transaction.avsc") }));
            Assert.That(records.Select(r => r.Transaction).OrderBy(t => t.TransactionId, StringComparer.Ordinal), Is.EqualTo(expected.OrderBy(t => t.TransactionId, StringComparer.Ordinal)));
            Assert.That(SummaryCount(run, "Sent"), Is.EqualTo(400));
            Assert.That(SummaryCount(run, "Acknowledged"), Is.EqualTo(400));
            Assert.That(SummaryCount(run, "Errors"), Is.Zero);
            Assert.That(run.StandardOutput, Has.One.Match(@"^Produce-ack latency: p50 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms \(the producer lingers 1 ms\)$"));
            Assert.That(run.StandardOutput, Has.One.Match(@"^Achieved rate: +[\d,.]+ records/s"));
        });
    }

    [Test]
    public async Task Loadgen_with_the_same_seed_produces_the_same_records()
    {
        // Arrange
        var first = await TestKafka.CreateTopicAsync("loadgen-seed-a", 2);
        var second = await TestKafka.CreateTopicAsync("loadgen-seed-b", 2);
        string[] options = ["--count", "300", "--rate", "3000", "--seed", "5", "--cards", "100", "--fraud-ratio", "0.1"];

        // Act
        var runA = await Loadgen(["--topic", first, .. options]);
        var runB = await Loadgen(["--topic", second, .. options]);

        // Assert
        Assert.That(runA.ExitCode, Is.Zero, runA.Transcript);
        Assert.That(runB.ExitCode, Is.Zero, runB.Transcript);
        var a = await ReadTransactionsAsync(first, 2);
        var b = await ReadTransactionsAsync(second, 2);
        Assert.That(a, Has.Count.EqualTo(300));
        Assert.That(b.Select(r => (r.Partition, r.Key, r.Transaction)), Is.EqualTo(a.Select(r => (r.Partition, r.Key, r.Transaction))));
    }

    [Test]
    public async Task Loadgen_with_a_duration_never_runs_ahead_of_the_target_rate()
    {
        // Arrange
        var topic = await TestKafka.CreateTopicAsync("loadgen-duration", 1);

        // Act: record i is due at i/rate, so 1 s at 200/s can send at most 200.
        var run = await Loadgen("--topic", topic, "--duration", "1s", "--rate", "200");

        // Assert
        Assert.That(run.ExitCode, Is.Zero, run.Transcript);
        var sent = SummaryCount(run, "Sent");
        Assert.Multiple(() =>
        {
            Assert.That(sent, Is.InRange(1, 200));
            Assert.That(SummaryCount(run, "Acknowledged"), Is.EqualTo(sent));
            Assert.That(TestKafka.ReadAllRecords(topic, 1, IsolationLevel.ReadCommitted), Has.Count.EqualTo(sent));
        });
    }

    [Test]
    public async Task Loadgen_without_count_or_duration_runs_until_SIGTERM_then_reports_and_exits_0()
    {
        // Arrange
        var topic = await TestKafka.CreateTopicAsync("loadgen-sigterm", 2);
        using var loadgen = FraudstreamProcess.Start("loadgen", "--bootstrap-servers", TestKafka.BootstrapServers, "--topic", topic, "--rate", "500", "--no-labels");
        await loadgen.WaitForStderrLineAsync(l => l.StartsWith("loadgen: sent", StringComparison.Ordinal), "a progress line", s_limit);
        var officialClient = MappedFiles.MapsOfficialClient(loadgen.Id);
        var developmentBroker = MappedFiles.Maps(loadgen.Id, MappedFiles.DevelopmentBroker);

        // Act
        loadgen.SendSigterm();
        var exitCode = await loadgen.WaitForExitAsync(s_limit);

        // Assert
        var run = new FraudstreamRun(exitCode, loadgen.StandardOutput, loadgen.StandardError, loadgen.Transcript);
        Assert.That(exitCode, Is.Zero, run.Transcript);
        var sent = SummaryCount(run, "Sent");
        Assert.Multiple(() =>
        {
            Assert.That(sent, Is.GreaterThan(0));
            Assert.That(SummaryCount(run, "Acknowledged"), Is.EqualTo(sent));
            Assert.That(TestKafka.ReadAllRecords(topic, 2, IsolationLevel.ReadCommitted), Has.Count.EqualTo(sent));
            Assert.That((officialClient, developmentBroker), Is.EqualTo((true, false)),
                "the load generator's client is the official librdkafka, never the development broker's");
        });
    }

    [TestCase(new[] { "--rate", "0" }, "--rate must be a positive number of records per second, at most 1000000, not '0'.")]
    [TestCase(new[] { "--rate", "fast" }, "--rate must be a positive number")]
    [TestCase(new[] { "--count", "5", "--duration", "10s" }, "Give --count or --duration, not both.")]
    [TestCase(new[] { "--count", "0" }, "--count must be a whole number from 1")]
    [TestCase(new[] { "--duration", "soon" }, "--duration must be a positive duration")]
    [TestCase(new[] { "--fraud-ratio", "0.7" }, "The fraud ratio must be between 0 and 0.5, not 0.7.")]
    [TestCase(new[] { "--schema-registry-url", "registry:8081" }, "is not an http(s) URL")]
    [TestCase(new[] { "--no-labels", "--label-delay", "30s" }, "Give --no-labels or --label-delay, not both.")]
    [TestCase(new[] { "--label-delay", "later" }, "--label-delay must be a positive duration")]
    [TestCase(new[] { "--linger-ms", "-1" }, "--linger-ms must be a number of milliseconds from 0 to 1000, not '-1'.")]
    public async Task Loadgen_refuses_bad_options_with_one_sentence_and_exit_code_2(string[] options, string message)
    {
        // Act
        var run = await FraudstreamProcess.RunAsync(s_limit, ["loadgen", "--bootstrap-servers", TestKafka.BootstrapServers, .. options]);

        // Assert
        run.AssertRefused(2, message);
    }

    [Test]
    public async Task The_Kafka_client_properties_file_reaches_the_load_generators_producer()
    {
        // Arrange: debug=broker makes librdkafka write its debug lines (level 7) to stderr, which only a client built with the file does.
        var topic = await TestKafka.CreateTopicAsync("loadgen-properties", 1);
        var properties = Path.GetTempFileName();
        await File.WriteAllLinesAsync(properties, ["# connection settings for every client", "debug=broker", "socket.keepalive.enable=true"]);

        // Act
        var run = await FraudstreamProcess.RunAsync(new Dictionary<string, string?> { [KafkaClientProperties.Variable] = properties }, s_limit,
            "loadgen", "--bootstrap-servers", TestKafka.BootstrapServers, "--topic", topic, "--count", "20", "--no-labels");
        File.Delete(properties);

        // Assert
        using (Assert.EnterMultipleScope())
        {
            Assert.That(run.ExitCode, Is.Zero, run.Transcript);
            Assert.That(SummaryCount(run, "Acknowledged"), Is.EqualTo(20));
            Assert.That(run.StandardError, Has.Some.StartsWith("%7|"), "librdkafka's debug output, turned on by the file:\n" + run.Transcript);
        }
    }

    [TestCase("2000", null, "1")]
    [TestCase("5000", null, "1")]
    [TestCase("20000", null, "5")]
    [TestCase("20000", "0", "0")]
    public async Task The_producer_lingers_1_ms_up_to_5000_records_a_second_and_5_above_unless_told(string rate, string? linger, string expected)
    {
        // Arrange: debug=conf makes librdkafka print each client's configuration to stderr (linger.ms under its other name,
        // queue.buffering.max.ms): what the producer really got.
        var topic = await TestKafka.CreateTopicAsync("loadgen-linger", 1);
        var properties = Path.GetTempFileName();
        await File.WriteAllLinesAsync(properties, ["debug=conf"]);

        // Act
        var run = await FraudstreamProcess.RunAsync(new Dictionary<string, string?> { [KafkaClientProperties.Variable] = properties }, s_limit, [
            "loadgen", "--bootstrap-servers", TestKafka.BootstrapServers, "--topic", topic, "--count", "20", "--rate", rate, "--no-labels",
            .. linger is null ? [] : new[] { "--linger-ms", linger }]);
        File.Delete(properties);

        // Assert
        using (Assert.EnterMultipleScope())
        {
            Assert.That(run.ExitCode, Is.Zero, run.Transcript);
            Assert.That(run.StandardError, Has.Some.Match($@"\|CONF\|.* queue\.buffering\.max\.ms = {expected}$"), run.Transcript);
            Assert.That(run.StandardOutput, Has.One.Match($@"^Produce-ack latency: .*\(the producer lingers {expected} ms\)$"), run.Transcript);
        }
    }

    [Test]
    public async Task A_bad_Kafka_client_properties_file_stops_a_verb_at_start_in_one_sentence()
    {
        // Arrange
        var properties = Path.GetTempFileName();
        await File.WriteAllLinesAsync(properties, ["security.protocol=SASL_SSL", "sasl.mechanism=NOT-A-MECHANISM"]);

        // Act
        var run = await FraudstreamProcess.RunAsync(new Dictionary<string, string?> { [KafkaClientProperties.Variable] = properties }, s_limit,
            "loadgen", "--bootstrap-servers", TestKafka.BootstrapServers, "--count", "10");
        File.Delete(properties);

        // Assert
        run.AssertRefused(2, $"{KafkaClientProperties.Variable}={properties}: librdkafka refuses these settings");
    }

    [TestCase("loadgen", "--count", "10")]
    [TestCase("alerts", "--max", "10")]
    public async Task A_traffic_verb_without_a_cluster_says_how_to_name_one_and_exits_2(string verb, string option, string value)
    {
        // Act
        var run = await FraudstreamProcess.RunAsync(new Dictionary<string, string?> { [TestKafka.BootstrapVariable] = null }, s_limit, verb, option, value);

        // Assert
        run.AssertRefused(2, "--bootstrap-servers", TestKafka.BootstrapVariable);
    }

    [Test]
    public async Task Alerts_refuses_a_max_of_zero()
    {
        // Act
        var run = await FraudstreamProcess.RunAsync(s_limit, "alerts", "--bootstrap-servers", TestKafka.BootstrapServers, "--max", "0");

        // Assert
        run.AssertRefused(2, "--max must be a whole number from 1");
    }

    [Test]
    public async Task Alerts_from_the_beginning_prints_exactly_the_committed_alerts_as_JSON_and_names_an_undecodable_record()
    {
        // Arrange: committed A1 A2 + garbage, aborted A3 A4, committed A5 A6, all in one partition (offsets in order).
        var topic = await TestKafka.CreateTopicAsync("alerts-json", 1);
        FraudAlert[] committed = [Alert("A1", 0), Alert("A2", 1), Alert("A5", 5), Alert("A6", 6)];
        using (var producer = AlertProducer())
        {
            producer.InitTransactions(s_kafkaTimeout);
            InTransaction(producer, topic, [Frame(committed[0]), Frame(committed[1]), [1, 2, 3]], commit: true);
            InTransaction(producer, topic, [Frame(Alert("A3", 3)), Frame(Alert("A4", 4))], commit: false);
            InTransaction(producer, topic, [Frame(committed[2]), Frame(committed[3])], commit: true);
        }

        // Act
        var run = await FraudstreamProcess.RunAsync(s_limit,
            "alerts", "--bootstrap-servers", TestKafka.BootstrapServers, "--topic", topic, "--from-beginning", "--json", "--max", "4");

        // Assert
        Assert.That(run.ExitCode, Is.Zero, run.Transcript);
        var printed = run.StandardOutput.Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.That(printed.Select(p => p.GetProperty("transaction_id").GetString()), Is.EqualTo(new[] { "A1", "A2", "A5", "A6" }), run.Transcript);
        var first = printed[0];
        Assert.Multiple(() =>
        {
            Assert.That(first.GetProperty("card_id").GetString(), Is.EqualTo("C0000042"));
            Assert.That(first.GetProperty("amount").GetDouble(), Is.EqualTo(1234.5));
            Assert.That(first.GetProperty("score").GetSingle(), Is.EqualTo(0.93f));
            Assert.That(first.GetProperty("threshold").GetSingle(), Is.EqualTo(0.5f));
            Assert.That(first.GetProperty("model_version").GetString(), Is.EqualTo("20261101_120000"));
            Assert.That(first.GetProperty("top_features")[0].GetProperty("name").GetString(), Is.EqualTo("amount_ratio"));
            Assert.That(first.GetProperty("top_features")[0].GetProperty("contribution").GetSingle(), Is.EqualTo(2.25f));
            Assert.That(first.GetProperty("source_topic").GetString(), Is.EqualTo("transactions"));
            Assert.That(first.GetProperty("source_partition").GetInt32(), Is.EqualTo(1));
            Assert.That(first.GetProperty("source_offset").GetInt64(), Is.EqualTo(0));
            Assert.That(first.GetProperty("event_time").GetDateTimeOffset(), Is.EqualTo(committed[0].EventTime));
            Assert.That(first.GetProperty("scored_time").GetDateTimeOffset(), Is.EqualTo(committed[0].ScoredTime));
            var skipped = run.StandardError.Where(l => l.StartsWith("Skipped", StringComparison.Ordinal)).ToList();
            Assert.That(skipped, Has.Count.EqualTo(1), run.Transcript);
            Assert.That(skipped.FirstOrDefault(), Does.Contain("partition 0 offset 2").And.Contain("bad_magic_byte"));
        });
    }

    [Test]
    public async Task Alerts_without_from_beginning_prints_only_new_alerts_as_table_rows_and_exits_0_on_SIGTERM()
    {
        // Arrange: one alert before the verb starts.
        var topic = await TestKafka.CreateTopicAsync("alerts-follow", 2);
        using var producer = AlertProducer();
        producer.InitTransactions(s_kafkaTimeout);
        InTransaction(producer, topic, [Frame(Alert("OLD-1", 0))], commit: true);
        using var alerts = FraudstreamProcess.Start("alerts", "--bootstrap-servers", TestKafka.BootstrapServers, "--topic", topic);
        await alerts.WaitForStderrLineAsync(l => l.StartsWith("Following", StringComparison.Ordinal), "the start line", s_limit);

        // Act
        InTransaction(producer, topic, [Frame(Alert("NEW-1", 1))], commit: true);
        var row = await alerts.WaitForStdoutLineAsync(l => l.Contains("NEW-1", StringComparison.Ordinal), "the new alert", s_limit);
        alerts.SendSigterm();
        var exitCode = await alerts.WaitForExitAsync(s_limit);

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, alerts.Transcript);
            Assert.That(alerts.StandardOutput[0], Does.StartWith("SCORED (UTC)"));
            Assert.That(row, Does.Match(@"^2026-01-01 00:00:01\.000 +NEW-1 +C0000042 +1234\.50 +0\.930 +0\.500 +20261101_120000 +amount_ratio=12\.5 \(\+2\.25\)$"));
            Assert.That(alerts.StandardOutput, Has.None.Contains("OLD-1"));
        });
    }

    [Test]
    public async Task Loadgen_following_alerts_reports_the_end_to_end_latency_of_its_alerted_transactions()
    {
        // Arrange: a scorer in this process, assigned and with its model, before any traffic.
        var registry = await TestModels.DirectoryAsync();
        var input = await TestKafka.CreateTopicAsync("loadgen-follow-in", 2);
        var alertsTopic = await TestKafka.CreateTopicAsync("loadgen-follow-alerts", 2);
        var (changelog, labels) = await TestKafka.CreateHistoryTopicsAsync("loadgen-follow", 2);
        var settings = new Dictionary<string, string?>
        {
            ["Scorer:ChangelogTopic"] = changelog,
            ["Scorer:LabelsTopic"] = labels,
            ["Scorer:BootstrapServers"] = TestKafka.BootstrapServers,
            ["Scorer:InputTopic"] = input,
            ["Scorer:AlertsTopic"] = alertsTopic,
            ["Scorer:DeadLetterTopic"] = await TestKafka.CreateTopicAsync("loadgen-follow-dlq", 1),
            ["Scorer:GroupId"] = TestKafka.UniqueName("loadgen-follow-scorer"),
            ["Scorer:TransactionalId"] = TestKafka.UniqueName("txn"),
            ["Scorer:BatchSize"] = "500",
            ["Scorer:Linger"] = "00:00:00.020",
            ["Model:PollInterval"] = "00:00:00.200",
        };
        FraudstreamRun run;
        await using (var scorer = await InProcessScorer.StartAsync(settings, registry))
        {
            await Eventually.TrueAsync(() => scorer.Health.AssignedPartitions == 2 && scorer.Model.Version is not null,
                "the scorer has its two partitions and a model", () => $"partitions {scorer.Health.AssignedPartitions}, model {scorer.Model.Version ?? "none"}",
                s_limit);

            // Act
            run = await Loadgen("--topic", input, "--count", "2000", "--rate", "4000", "--seed", "21", "--fraud-ratio", "0.05",
                "--follow-alerts", "--alerts-topic", alertsTopic, "--follow-seconds", "10");
        }

        // Assert
        Assert.That(run.ExitCode, Is.Zero, run.Transcript);
        var line = run.StandardOutput.FirstOrDefault(l => l.StartsWith("End-to-end latency:", StringComparison.Ordinal)) ?? "";
        var match = EndToEndLine().Match(line);
        Assert.That(match.Success, Is.True, run.Transcript);
        var reported = int.Parse(match.Groups["alerts"].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        var committed = TestKafka.ReadAllRecords(alertsTopic, 2, IsolationLevel.ReadCommitted);
        Assert.That(reported, Is.InRange(1, committed.Count), run.Transcript);
    }

    [GeneratedRegex(@"^End-to-end latency: +p50 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms \((?<alerts>[\d,]+) alerts on '[^']+' for this run's transactions\)$")]
    private static partial Regex EndToEndLine();

    /// <summary>Runs loadgen; without labels unless the test asks for them, so no test depends on a shared labels topic.</summary>
    internal static Task<FraudstreamRun> Loadgen(params string[] options) =>
        FraudstreamProcess.RunAsync(s_limit, [
            "loadgen", "--bootstrap-servers", TestKafka.BootstrapServers,
            .. options.Contains("--labels-topic") ? [] : new[] { "--no-labels" },
            .. options]);

    /// <summary>A number from the summary on stdout, e.g. "Sent:                400 records ...".</summary>
    internal static long SummaryCount(FraudstreamRun run, string label)
    {
        var line = run.StandardOutput.FirstOrDefault(l => l.StartsWith(label + ":", StringComparison.Ordinal));
        Assert.That(line, Is.Not.Null, $"no '{label}:' line in the summary.\n{run.Transcript}");
        var number = line![(label.Length + 1)..].TrimStart().Split(' ')[0];
        return long.Parse(number, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
    }

    private static async Task<List<ProducedTransaction>> ReadTransactionsAsync(string topic, int partitions)
    {
        var codec = new TransactionMessageCodec(ScoringScenario.Catalog, new TransactionAvroCodec());
        var records = new List<ProducedTransaction>();
        foreach (var record in TestKafka.ReadAllRecords(topic, partitions, IsolationLevel.ReadCommitted))
        {
            var schemaId = ConfluentWireFormat.ReadHeader(record.Message.Value, out _);
            records.Add(new ProducedTransaction(
                record.Partition.Value, Encoding.UTF8.GetString(record.Message.Key), schemaId, await codec.DecodeAsync(record.Message.Value)));
        }

        return records;
    }

    private static FraudAlert Alert(string transactionId, long sourceOffset) => new(
        transactionId,
        "C0000042",
        1234.5,
        0.93f,
        0.5f,
        "20261101_120000",
        [new FeatureContribution("amount_ratio", 12.5f, 2.25f), new FeatureContribution("night", 1f, 0.5f)],
        "transactions",
        1,
        sourceOffset,
        new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero));

    private static byte[] Frame(FraudAlert alert)
    {
        var buffer = new ArrayBufferWriter<byte>();
        ConfluentWireFormat.WriteHeader(buffer, ScoringScenario.Catalog.IdOf("fraud_alert.avsc"));
        new FraudAlertAvroCodec().Encode(alert, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static IProducer<string, byte[]> AlertProducer() =>
        new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = TestKafka.BootstrapServers,
            TransactionalId = TestKafka.UniqueName("alerts-txn"),
            EnableIdempotence = true,
        }).Build();

    private static void InTransaction(IProducer<string, byte[]> producer, string topic, byte[][] values, bool commit)
    {
        producer.BeginTransaction();
        foreach (var value in values)
        {
            producer.Produce(topic, new Message<string, byte[]> { Key = "C0000042", Value = value });
        }

        // Deliver before deciding, so aborted records really are in the log for read_committed to skip.
        producer.Flush(s_kafkaTimeout);
        if (commit)
        {
            producer.CommitTransaction(s_kafkaTimeout);
        }
        else
        {
            producer.AbortTransaction(s_kafkaTimeout);
        }
    }

    private sealed record ProducedTransaction(int Partition, string Key, int SchemaId, Transaction Transaction);
}
