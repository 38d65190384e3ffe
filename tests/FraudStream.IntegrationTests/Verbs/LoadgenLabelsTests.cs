using System.Text;
using Confluent.Kafka;
using FraudStream.Avro;
using FraudStream.Simulation;
using FraudStream.Core.Transactions;
using FraudStream.IntegrationTests.Kafka;
using FraudStream.IntegrationTests.Scoring;

namespace FraudStream.IntegrationTests.Verbs;

/// <summary>loadgen's labels: each one after its transaction, once due in loadgen's timeline, on the labels topic.</summary>
[TestFixture]
public sealed class LoadgenLabelsTests
{
    [Test]
    public async Task With_a_wall_clock_delay_every_transaction_is_labelled_that_long_after_it_was_produced()
    {
        // Arrange
        var topic = await TestKafka.CreateTopicAsync("loadgen-labels-in", 2);
        var labelsTopic = await TestKafka.CreateTopicAsync("loadgen-labels", 2);
        var delay = TimeSpan.FromMilliseconds(300);

        // Act
        var run = await LoadgenAndAlertsVerbTests.Loadgen(
            "--topic", topic, "--labels-topic", labelsTopic, "--label-delay", "300ms", "--count", "400", "--rate", "2000", "--seed", "11", "--fraud-ratio", "0.1");

        // Assert
        Assert.That(run.ExitCode, Is.Zero, run.Transcript);
        var expected = new TransactionGenerator(new GeneratorOptions { Seed = 11, FraudRatio = 0.1 }).Generate(400).ToDictionary(r => r.Transaction.TransactionId);
        var transactions = TestKafka.ReadAllRecords(topic, 2, IsolationLevel.ReadCommitted)
            .ToDictionary(r => TransactionIdOf(r), r => r.Message.Timestamp.UnixTimestampMs);
        var labels = await ReadLabelsAsync(labelsTopic, 2);
        Assert.Multiple(() =>
        {
            Assert.That(labels.Select(l => l.Label.TransactionId), Is.EquivalentTo(expected.Keys), "one label per transaction");
            Assert.That(labels.All(l => l.Label.IsFraud == expected[l.Label.TransactionId].IsFraud), Is.True, "fraud and genuine as generated");
            Assert.That(labels.Count(l => l.Label.IsFraud), Is.GreaterThan(0));
            Assert.That(labels.All(l => l.Key == l.Label.CardId), Is.True, "key = card id");
            Assert.That(labels.All(l => l.Label.LabelTime >= l.Label.EventTime), Is.True);
            Assert.That(labels.Select(l => l.TimestampMs - transactions[l.Label.TransactionId]).Min(), Is.GreaterThanOrEqualTo(delay.TotalMilliseconds - 2),
                "no label before its delay has passed since its transaction");
            Assert.That(run.StandardOutput, Has.One.StartsWith($"Labels:              400 acknowledged on '{labelsTopic}'"));
        });
    }

    [Test]
    public async Task By_default_a_label_comes_once_the_streams_event_time_reaches_its_label_time()
    {
        // Arrange: 40,000 transactions span about nine days of event time, more than the 7-day settlement delay.
        var topic = await TestKafka.CreateTopicAsync("loadgen-labels-event-in", 2);
        var labelsTopic = await TestKafka.CreateTopicAsync("loadgen-labels-event", 2);
        const int Count = 40_000;

        // Act
        var run = await LoadgenAndAlertsVerbTests.Loadgen(
            "--topic", topic, "--labels-topic", labelsTopic, "--count", Count.ToString(System.Globalization.CultureInfo.InvariantCulture), "--rate", "50000", "--seed", "3");

        // Assert: exactly the labels known by the last transaction's event time, each with the generator's label time.
        Assert.That(run.ExitCode, Is.Zero, run.Transcript);
        var rows = new TransactionGenerator(new GeneratorOptions { Seed = 3 }).Generate(Count).ToList();
        var end = rows[^1].Transaction.EventTime;
        var due = rows.Where(r => r.LabelTime <= end).ToDictionary(r => r.Transaction.TransactionId);
        var transactions = TestKafka.ReadAllRecords(topic, 2, IsolationLevel.ReadCommitted)
            .ToDictionary(r => TransactionIdOf(r), r => r.Message.Timestamp.UnixTimestampMs);
        var labels = await ReadLabelsAsync(labelsTopic, 2);
        Assert.Multiple(() =>
        {
            Assert.That(due.Count(r => r.Value.IsFraud), Is.GreaterThan(0), "the run is long enough for chargebacks");
            Assert.That(labels.Select(l => l.Label.TransactionId), Is.EquivalentTo(due.Keys));
            Assert.That(labels.All(l => l.Label == FraudLabel.Of(due[l.Label.TransactionId], due[l.Label.TransactionId].LabelTime!.Value)), Is.True);
            Assert.That(labels.All(l => l.TimestampMs >= transactions[l.Label.TransactionId]), Is.True, "each label after its transaction");
            Assert.That(LoadgenAndAlertsVerbTests.SummaryCount(run, "Labels"), Is.EqualTo(due.Count));
            Assert.That(run.StandardOutput, Has.One.EndsWith($"{Count - due.Count:N0} not yet due when the run ended"));
        });
    }

    private static string TransactionIdOf(ConsumeResult<byte[], byte[]> record) =>
        new TransactionAvroCodec().Decode(record.Message.Value.AsSpan(ConfluentWireFormat.HeaderSize)).TransactionId;

    private static async Task<List<ProducedLabel>> ReadLabelsAsync(string topic, int partitions)
    {
        var codec = new FraudLabelMessageCodec(ScoringScenario.Catalog);
        var labels = new List<ProducedLabel>();
        foreach (var record in TestKafka.ReadAllRecords(topic, partitions, IsolationLevel.ReadCommitted))
        {
            Assert.That(ConfluentWireFormat.ReadHeader(record.Message.Value, out _), Is.EqualTo(ScoringScenario.Catalog.IdOf("fraud_label.avsc")));
            labels.Add(new ProducedLabel(Encoding.UTF8.GetString(record.Message.Key), record.Message.Timestamp.UnixTimestampMs, await codec.DecodeAsync(record.Message.Value)));
        }

        return labels;
    }

    private sealed record ProducedLabel(string Key, long TimestampMs, FraudLabel Label);
}
