using Confluent.Kafka;
using FraudStream.Avro;
using FraudStream.Core.Transactions;
using FraudStream.IntegrationTests.Kafka;
using FraudStream.IntegrationTests.Scoring;

namespace FraudStream.IntegrationTests.Training;

/// <summary>A transactions topic and a labels topic of their own, for a test that trains from Kafka, and a registry directory.</summary>
public sealed class TrainingTopics : IDisposable
{
    /// <summary>Most records in one batch: the development broker finds a time's offset by batch, so small batches keep it close.</summary>
    public const int BatchRecords = 10;

    private readonly IProducer<byte[], byte[]> _producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
    {
        BootstrapServers = TestKafka.BootstrapServers,
        EnableIdempotence = true,
        LingerMs = 5,
        BatchNumMessages = BatchRecords,
    }).Build();

    private TrainingTopics(string transactions, string labels)
    {
        Transactions = transactions;
        Labels = labels;
        Registry = Path.Combine(Path.GetTempPath(), "fstest-train-kafka-" + Guid.NewGuid().ToString("N")[..8]);
    }

    public string Transactions { get; }

    public string Labels { get; }

    /// <summary>A registry directory of this test's own (deleted on dispose).</summary>
    public string Registry { get; }

    public static async Task<TrainingTopics> CreateAsync(string purpose) =>
        new(await TestKafka.CreateTopicAsync(purpose + "-tx", 3), await TestKafka.CreateTopicAsync(purpose + "-labels", 2));

    /// <summary>
    /// Produces <paramref name="transactions"/> keyed by card; with <paramref name="stampedAtEventTime"/> each record's Kafka timestamp is
    /// its event time, as a stream produced when it happened carries, else the producer's clock.
    /// </summary>
    public void Produce(IEnumerable<Transaction> transactions, bool stampedAtEventTime = false)
    {
        var codec = new TransactionMessageCodec(ScoringScenario.Catalog, new TransactionAvroCodec());
        var schemaId = ScoringScenario.Catalog.IdOf("transaction.avsc");
        foreach (var t in transactions)
        {
            Produce(Transactions, t.CardId, codec.Encode(t, schemaId), stampedAtEventTime ? t.EventTime : null);
        }

        Flush();
    }

    /// <summary>Produces <paramref name="labels"/> keyed by card, each stamped at its label time when <paramref name="stampedAtLabelTime"/>.</summary>
    public void Produce(IEnumerable<FraudLabel> labels, bool stampedAtLabelTime = false)
    {
        var codec = new FraudLabelMessageCodec(ScoringScenario.Catalog);
        var schemaId = ScoringScenario.Catalog.IdOf("fraud_label.avsc");
        foreach (var label in labels)
        {
            Produce(Labels, label.CardId, codec.Encode(label, schemaId), stampedAtLabelTime ? label.LabelTime : null);
        }

        Flush();
    }

    /// <summary>Produces a record that is not what the topic should hold.</summary>
    public void ProduceRaw(string topic, byte[] value)
    {
        Produce(topic, "bad", value, null);
        Flush();
    }

    /// <summary>Runs `fraudstream train --from-kafka` on these topics into <see cref="Registry"/>, with <paramref name="options"/> added.</summary>
    public Task<FraudstreamRun> TrainAsync(params string[] options) => FraudstreamProcess.RunAsync(
        RunLimit,
        ["train", "--from-kafka", "--bootstrap-servers", TestKafka.BootstrapServers, "--topic", Transactions, "--labels-topic", Labels,
         "--registry", Registry, .. options]);

    /// <summary>How long one fraudstream run may take here: seconds normally, this is for a loaded machine.</summary>
    public static TimeSpan RunLimit { get; } = TimeSpan.FromSeconds(120);

    public void Dispose()
    {
        _producer.Dispose();
        if (Directory.Exists(Registry))
        {
            Directory.Delete(Registry, recursive: true);
        }
    }

    private void Produce(string topic, string key, byte[] value, DateTimeOffset? timestamp) =>
        _producer.Produce(topic, new Message<byte[], byte[]>
        {
            Key = System.Text.Encoding.UTF8.GetBytes(key),
            Value = value,
            Timestamp = timestamp is { } at ? new Timestamp(at.UtcDateTime) : Timestamp.Default,
        });

    private void Flush() => Assert.That(_producer.Flush(TimeSpan.FromMinutes(1)), Is.Zero, "every record delivered");
}
