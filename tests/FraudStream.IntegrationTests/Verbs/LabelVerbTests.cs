using System.Text;
using Confluent.Kafka;
using FraudStream.Avro;
using FraudStream.Core.Transactions;
using FraudStream.IntegrationTests.Kafka;
using FraudStream.IntegrationTests.Scoring;

namespace FraudStream.IntegrationTests.Verbs;

/// <summary>`fraudstream label` as a user runs it, against the broker fixture.</summary>
[TestFixture]
public sealed class LabelVerbTests
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(90);
    private static readonly string s_header = string.Join(',', FraudLabelCsv.Columns);
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("fraudstream-label-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task Labels_from_a_CSV_are_produced_once_each_keyed_by_card_in_the_wire_format()
    {
        // Arrange
        var topic = await TestKafka.CreateTopicAsync("label-verb", 2);
        var file = Write("labels.csv",
            "T1,C1,M1,M1-T1,1,2026-01-01T10:00:00Z,2026-01-09T00:00:00.250Z",
            "T2,C2,M2,,0,2026-01-01T11:00:00Z,2026-01-08T11:00:00Z",
            "T3,C1,M3,M3-T2,1,2026-01-02T09:30:00Z,");
        var before = DateTimeOffset.UtcNow;

        // Act
        var run = await Label("--data", file, "--topic", topic);

        // Assert
        var after = DateTimeOffset.UtcNow;
        Assert.That(run.ExitCode, Is.Zero, run.Transcript);
        var codec = new FraudLabelMessageCodec(ScoringScenario.Catalog);
        var records = TestKafka.ReadAllRecords(topic, 2, IsolationLevel.ReadCommitted);
        var labels = new List<FraudLabel>();
        foreach (var record in records)
        {
            labels.Add(await codec.DecodeAsync(record.Message.Value));
        }

        var byId = labels.ToDictionary(l => l.TransactionId);
        Assert.Multiple(() =>
        {
            Assert.That(labels, Has.Count.EqualTo(3));
            Assert.That(records.Select(r => Encoding.UTF8.GetString(r.Message.Key)), Is.EqualTo(labels.Select(l => l.CardId)), "key = card id");
            Assert.That(records.Select(r => ConfluentWireFormat.ReadHeader(r.Message.Value, out _)).Distinct(), Is.EqualTo(new[] { ScoringScenario.Catalog.IdOf("fraud_label.avsc") }));
            Assert.That(byId["T1"], Is.EqualTo(new FraudLabel("T1", "C1", "M1", "M1-T1", true, At("2026-01-01T10:00:00Z"), At("2026-01-09T00:00:00.250Z"))));
            Assert.That(byId["T2"], Is.EqualTo(new FraudLabel("T2", "C2", "M2", null, false, At("2026-01-01T11:00:00Z"), At("2026-01-08T11:00:00Z"))));
            Assert.That(byId["T3"].LabelTime, Is.InRange(before.AddSeconds(-1), after), "an empty label_time is the time the file was read");
            Assert.That(run.StandardOutput, Has.One.StartsWith("Produced 3 of 3 labels (2 fraud, 1 genuine in the file) from labels.csv"));
        });
    }

    [Test]
    public async Task A_bad_row_anywhere_in_the_file_produces_nothing_and_names_its_line_and_column()
    {
        // Arrange: the bad row is last, after rows that are fine.
        var topic = await TestKafka.CreateTopicAsync("label-verb-bad", 1);
        var file = Write("labels.csv",
            "T1,C1,M1,,1,2026-01-01T10:00:00Z,2026-01-03T00:00:00Z",
            "T2,C2,M2,,0,2026-01-01T11:00:00Z,2026-01-08T11:00:00Z",
            "T3,C3,M3,,maybe,2026-01-01T12:00:00Z,");

        // Act
        var run = await Label("--data", file, "--topic", topic);

        // Assert
        run.AssertRefused(2, "labels.csv line 4: is_fraud 'maybe' must be 1 (fraud) or 0 (genuine).", "Nothing was produced.");
        Assert.That(TestKafka.ReadAllRecords(topic, 1, IsolationLevel.ReadUncommitted), Is.Empty);
    }

    [Test]
    public async Task A_missing_file_or_cluster_is_a_usage_error_in_one_sentence()
    {
        // Act
        var missingFile = await Label("--data", Path.Combine(_folder, "nope.csv"), "--topic", "whatever");
        var noCluster = await FraudstreamProcess.RunAsync(
            new Dictionary<string, string?> { [TestKafka.BootstrapVariable] = null }, s_limit, "label", "--data", Write("labels.csv", "T1,C1,M1,,1,2026-01-01T10:00:00Z,"));

        // Assert
        missingFile.AssertRefused(2, "nope.csv' is not a file");
        noCluster.AssertRefused(2, "--bootstrap-servers", TestKafka.BootstrapVariable);
    }

    private string Write(string name, params string[] rows)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, s_header + "\n" + string.Join('\n', rows) + "\n");
        return path;
    }

    private static DateTimeOffset At(string text) => EventTime.TryParse(text, out var at) ? at : throw new ArgumentException(text);

    private static Task<FraudstreamRun> Label(params string[] options) =>
        FraudstreamProcess.RunAsync(s_limit, ["label", "--bootstrap-servers", TestKafka.BootstrapServers, .. options]);
}
