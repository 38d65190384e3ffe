using Confluent.Kafka;
using FraudStream.Avro;
using FraudStream.Avro.Registry;
using FraudStream.Core.Features.History;
using FraudStream.Core.Generation;
using FraudStream.Core.Transactions;
using FraudStream.IntegrationTests.Kafka;
using FraudStream.Streaming.ExactlyOnce;
using FraudStream.Streaming.Scoring;
using Transaction = FraudStream.Core.Transactions.Transaction;

namespace FraudStream.IntegrationTests.Scoring;

/// <summary>One record put on the input topic: what it is and where it landed.</summary>
/// <param name="Transaction">The transaction, or null for a deliberately bad record.</param>
/// <param name="ExpectedReason">For a bad record, the DLQ reason the scorer must give.</param>
/// <param name="Value">The exact bytes produced.</param>
public sealed record InputRecord(Transaction? Transaction, string? ExpectedReason, byte[] Value)
{
    /// <summary>The generated row behind a good record: its ground truth and label time.</summary>
    public LabelledTransaction? Labelled { get; init; }

    /// <summary>Partition it landed in.</summary>
    public int Partition { get; set; } = -1;

    /// <summary>Offset it landed at.</summary>
    public long Offset { get; set; } = -1;
}

/// <summary>
/// Unique input, alert and DLQ topics with generated transactions (and optionally bad records) on the input, and
/// what a correct scorer must produce, computed offline with the same model and pipeline one row at a time.
/// </summary>
public sealed class ScoringScenario
{
    private ScoringScenario(
        string input, string alerts, string deadLetters, string scored, (string Changelog, string Labels) history, string group, int partitions, IReadOnlyList<InputRecord> records)
    {
        (ChangelogTopic, LabelsTopic) = history;
        ScoredTopic = scored;
        InputTopic = input;
        AlertsTopic = alerts;
        DeadLetterTopic = deadLetters;
        Group = group;
        Partitions = partitions;
        Records = records;
    }

    /// <summary>The schemas every scorer in the test shares (the embedded demo's catalog).</summary>
    public static LocalSchemaCatalog Catalog { get; } = LocalSchemaCatalog.FromEmbeddedSchemas();

    public string InputTopic { get; }

    public string AlertsTopic { get; }

    public string DeadLetterTopic { get; }

    /// <summary>A topic for every score; the scorer writes it only when a test sets Scorer:ScoredTopic.</summary>
    public string ScoredTopic { get; }

    /// <summary>The card-history changelog, partitioned as the input.</summary>
    public string ChangelogTopic { get; }

    /// <summary>The labels topic (empty unless a test produces labels).</summary>
    public string LabelsTopic { get; }

    /// <summary>The scorer group for this scenario.</summary>
    public string Group { get; }

    public int Partitions { get; }

    public IReadOnlyList<InputRecord> Records { get; }

    /// <summary>
    /// Creates the topics and produces <paramref name="count"/> generated transactions, with <paramref name="bad"/> records
    /// mixed in; only the first <paramref name="produceFirst"/> when given, the rest with <see cref="ProduceRestAsync"/>.
    /// </summary>
    public static async Task<ScoringScenario> CreateAsync(
        string purpose, int count, int partitions, int seed = 42, IReadOnlyList<(string Reason, byte[] Value)>? bad = null, int? produceFirst = null)
    {
        var input = await TestKafka.CreateTopicAsync(purpose + "-in", partitions);
        var alerts = await TestKafka.CreateTopicAsync(purpose + "-alerts", partitions);
        var deadLetters = await TestKafka.CreateTopicAsync(purpose + "-dlq", 1);
        var scored = await TestKafka.CreateTopicAsync(purpose + "-scored", partitions);
        var history = await TestKafka.CreateHistoryTopicsAsync(purpose, partitions);

        var codec = new TransactionMessageCodec(Catalog, new TransactionAvroCodec());
        var schemaId = Catalog.IdOf("transaction.avsc");
        var records = new TransactionGenerator(new GeneratorOptions { Seed = seed, Cards = 3_000, FraudRatio = 0.02 })
            .Generate(count)
            .Select(t => new InputRecord(t.Transaction, null, codec.Encode(t.Transaction, schemaId)) { Labelled = t })
            .ToList();
        if (bad is { Count: > 0 })
        {
            // Spread the bad records evenly through the stream, each keyed like a real card.
            var step = Math.Max(1, records.Count / (bad.Count + 1));
            for (var i = bad.Count - 1; i >= 0; i--)
            {
                records.Insert(Math.Min(records.Count, (i + 1) * step), new InputRecord(null, bad[i].Reason, bad[i].Value));
            }
        }

        var produced = Math.Min(records.Count, produceFirst ?? records.Count);
        await ProduceAsync(input, records, 0, produced);
        return new ScoringScenario(input, alerts, deadLetters, scored, history, TestKafka.UniqueName(purpose + "-scorer"), partitions, records) { _produced = produced };
    }

    private int _produced;

    /// <summary>
    /// Produces <paramref name="earlier"/> (labels of transactions before the stream), then the label of every good record
    /// (at its generated label time), to <see cref="LabelsTopic"/>; returns them all.
    /// </summary>
    public List<FraudLabel> ProduceLabels(IEnumerable<FraudLabel>? earlier = null)
    {
        var codec = new FraudLabelMessageCodec(Catalog);
        var schemaId = Catalog.IdOf("fraud_label.avsc");
        List<FraudLabel> labels =
        [
            .. earlier ?? [],
            .. Records.Select(r => r.Labelled).OfType<LabelledTransaction>().Select(r => FraudLabel.Of(r, r.LabelTime!.Value)),
        ];
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = TestKafka.BootstrapServers, EnableIdempotence = true, LingerMs = 5 }).Build();
        foreach (var label in labels)
        {
            producer.Produce(LabelsTopic, new Message<byte[], byte[]> { Key = System.Text.Encoding.UTF8.GetBytes(label.CardId), Value = codec.Encode(label, schemaId) });
        }

        Assert.That(producer.Flush(TimeSpan.FromMinutes(1)), Is.Zero, "every label delivered");
        return labels;
    }

    /// <summary>Produces the records <see cref="CreateAsync"/> held back.</summary>
    public async Task ProduceRestAsync()
    {
        await ProduceAsync(InputTopic, [.. Records], _produced, Records.Count);
        _produced = Records.Count;
    }

    /// <summary>Scorer settings for this scenario (merge test-specific ones on top).</summary>
    public Dictionary<string, string?> Settings(string transactionalId) => new()
    {
        ["Scorer:BootstrapServers"] = TestKafka.BootstrapServers,
        ["Scorer:InputTopic"] = InputTopic,
        ["Scorer:AlertsTopic"] = AlertsTopic,
        ["Scorer:DeadLetterTopic"] = DeadLetterTopic,
        ["Scorer:ChangelogTopic"] = ChangelogTopic,
        ["Scorer:LabelsTopic"] = LabelsTopic,
        ["Scorer:GroupId"] = Group,
        ["Scorer:TransactionalId"] = transactionalId,
        ["Scorer:BatchSize"] = "500",
        ["Scorer:Linger"] = "00:00:00.020",
        ["Model:PollInterval"] = "00:00:00.200",
    };

    /// <summary>
    /// Keeps card histories in <paramref name="store"/> ("memory" or "rocksdb"); rocksdb under a new directory (returned)
    /// with 50 cards a partition in memory, so most cards are evicted and read back from disk.
    /// </summary>
    public static string? UseHistoryStore(Dictionary<string, string?> settings, string store)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings["Scorer:HistoryStore"] = store;
        if (store != "rocksdb")
        {
            return null;
        }

        var path = Path.Combine(Path.GetTempPath(), $"fraudstream-test-history-{Guid.NewGuid():N}");
        settings["Scorer:HistoryPath"] = path;
        settings["Scorer:HistoryCachedCards"] = "50";
        return path;
    }

    /// <summary>The instance directories left under a rocksdb store's path (none once every instance stopped or was cleaned up after).</summary>
    public static string[] InstanceDirectories(string? path) =>
        path is null || !Directory.Exists(path) ? [] : Directory.GetDirectories(path, "instance-*");

    /// <summary>
    /// Transaction ids a correct scorer alerts on with <paramref name="model"/>, scoring one row per native call, with
    /// history features replayed in production order by the trainer's code (no labels are produced): a card's records
    /// keep their order on its partition, so an uninterrupted stream, or one killed and restored, gives the same features.
    /// </summary>
    public HashSet<string> ExpectedAlerts(ScoringModel model)
    {
        var history = ExpectedHistory();
        return Records.Where(r => r.Transaction is not null && ScoreOf(model, r.Transaction, history[r.Transaction.TransactionId]) >= model.Threshold)
            .Select(r => r.Transaction!.TransactionId)
            .ToHashSet();
    }

    /// <summary>Each good record's history features, as a fault-free scorer computes them, knowing <paramref name="labels"/> (none by default).</summary>
    public Dictionary<string, float[]> ExpectedHistory(IEnumerable<FraudLabel>? labels = null) =>
        HistoryOf(Records.Select(r => r.Transaction).OfType<Transaction>(), labels);

    /// <summary>
    /// History features of transactions replayed in the given order (each card's order on its partition), knowing
    /// <paramref name="known"/>: every label is held from the start, and a query counts it only from its label time on.
    /// </summary>
    public static Dictionary<string, float[]> HistoryOf(IEnumerable<Transaction> transactions, IEnumerable<FraudLabel>? known = null)
    {
        var settings = HistorySettings.Default;
        var cards = new CardHistoryStore(settings);
        var labels = new LabelHistory(settings);
        foreach (var label in known ?? [])
        {
            labels.Add(label);
        }

        var features = new Dictionary<string, float[]>();
        foreach (var transaction in transactions)
        {
            var row = new float[HistoryFeatures.Count];
            HistoryFeatures.Observe(cards, labels, transaction, row);
            features[transaction.TransactionId] = row;
        }

        return features;
    }

    /// <summary>The score <paramref name="model"/> gives one transaction with the given history features.</summary>
    public static float ScoreOf(ScoringModel model, Transaction transaction, float[] history)
    {
        var row = new float[model.FeatureCount];
        var score = new float[1];
        model.Pipeline.Extract(transaction, history, row);
        model.Predict(row, 1, score);
        return score[0];
    }

    /// <summary>Waits until the group's committed offsets reach the end of every input partition.</summary>
    public Task WaitUntilAllCommittedAsync(TimeSpan? limit = null, Func<string>? context = null) =>
        WaitUntilCommittedAsync(Records.Count, limit ?? TimeSpan.FromMinutes(3), context);

    /// <summary>Waits until the group has committed at least <paramref name="records"/> records across the input partitions.</summary>
    public Task WaitUntilCommittedAsync(long records, TimeSpan limit, Func<string>? context = null) =>
        TestKafka.WaitUntilCommittedAsync(Group, InputTopic, Partitions, records, limit, context);

    /// <summary>Records committed by the scorer group, summed over the input partitions (offsets start at 0).</summary>
    public long CommittedRecords() => TestKafka.CommittedRecords(Group, InputTopic, Partitions);

    /// <summary>The committed alerts, decoded, in offset order per partition.</summary>
    public List<FraudAlert> ReadAlerts() => ReadFramed(AlertsTopic, new FraudAlertAvroCodec().Decode);

    /// <summary>The committed scores (Scorer:ScoredTopic), decoded.</summary>
    public List<TransactionScore> ReadScores() => ReadScores(ScoredTopic);

    /// <summary>The committed scores on <paramref name="topic"/> (e.g. a shadow topic), decoded.</summary>
    public List<TransactionScore> ReadScores(string topic) => ReadFramed(topic, new TransactionScoreAvroCodec().Decode);

    private delegate T BodyDecoder<out T>(ReadOnlySpan<byte> body, AvroSchema? writerSchema);

    /// <summary>Reads a topic with read_committed and decodes each Confluent-framed value with its writer schema from the catalog.</summary>
    private List<T> ReadFramed<T>(string topic, BodyDecoder<T> decode) =>
        TestKafka.ReadAllRecords(topic, Partitions, IsolationLevel.ReadCommitted)
            .Select(r =>
            {
                var schema = Catalog.GetSchemaAsync(ConfluentWireFormat.ReadHeader(r.Message.Value, out _)).AsTask().Result;
                return decode(r.Message.Value.AsSpan(ConfluentWireFormat.HeaderSize), schema);
            })
            .ToList();

    /// <summary>The committed dead letters.</summary>
    public List<ConsumeResult<byte[], byte[]>> ReadDeadLetters() =>
        TestKafka.ReadAllRecords(DeadLetterTopic, 1, IsolationLevel.ReadCommitted);

    /// <summary>
    /// Asserts the committed output is exactly what <paramref name="model"/> alerts on: every expected transaction
    /// once, nothing else, every alert naming the model and its own source record.
    /// </summary>
    public void AssertExactlyExpectedAlerts(ScoringModel model)
    {
        var expected = ExpectedAlerts(model);
        var alerts = ReadAlerts();
        var ids = alerts.Select(a => a.TransactionId).ToList();
        var duplicates = ids.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).Take(5).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(expected, Has.Count.GreaterThan(20), "the scenario should produce a meaningful number of alerts");
            Assert.That(duplicates, Is.Empty, "transactions alerted more than once");
            Assert.That(ids.ToHashSet().Except(expected).Take(5), Is.Empty, "unexpected alerts");
            Assert.That(expected.Except(ids).Take(5), Is.Empty, "missing alerts");
            Assert.That(alerts.Select(a => a.ModelVersion).Distinct(), Is.EqualTo(new[] { model.Version }));
        });
        AssertAlertsPointAtTheirSource(alerts);
    }

    /// <summary>
    /// Asserts the scored topic (Scorer:ScoredTopic set to <see cref="ScoredTopic"/>) holds every good record exactly
    /// once: a redone batch shows here even when it had no alert.
    /// </summary>
    public void AssertEachRecordScoredOnce()
    {
        var ids = ReadScores().Select(s => s.TransactionId).ToList();
        var good = Records.Where(r => r.Transaction is not null).Select(r => r.Transaction!.TransactionId).ToHashSet();
        Assert.Multiple(() =>
        {
            Assert.That(ids.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).Take(5), Is.Empty, "records scored more than once");
            Assert.That(good.Except(ids).Take(5), Is.Empty, "records never scored");
            Assert.That(ids, Has.Count.EqualTo(good.Count));
        });
    }

    /// <summary>Every alert's source topic, partition and offset hold the transaction it names.</summary>
    public void AssertAlertsPointAtTheirSource(IEnumerable<FraudAlert> alerts)
    {
        var bySource = Records.Where(r => r.Transaction is not null).ToDictionary(r => (r.Partition, r.Offset));
        foreach (var alert in alerts)
        {
            Assert.That(alert.SourceTopic, Is.EqualTo(InputTopic));
            Assert.That(bySource.TryGetValue((alert.SourcePartition, alert.SourceOffset), out var source), Is.True, $"no input record at {alert.SourcePartition}/{alert.SourceOffset}");
            Assert.That(source!.Transaction!.TransactionId, Is.EqualTo(alert.TransactionId));
            Assert.That(alert.Score, Is.GreaterThanOrEqualTo(alert.Threshold));
        }
    }

    /// <summary>Asserts the DLQ holds each bad record exactly once, with its original bytes and the expected reason.</summary>
    public void AssertEachBadRecordDeadLetteredOnce()
    {
        var bad = Records.Where(r => r.ExpectedReason is not null).ToList();
        var letters = ReadDeadLetters();
        Assert.That(letters, Has.Count.EqualTo(bad.Count), "dead letters");
        var byOffset = letters.ToDictionary(l => (
            int.Parse(DeadLetterHeaders.Get(l.Message.Headers, DeadLetterHeaders.SourcePartition)!, System.Globalization.CultureInfo.InvariantCulture),
            long.Parse(DeadLetterHeaders.Get(l.Message.Headers, DeadLetterHeaders.SourceOffset)!, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Multiple(() =>
        {
            foreach (var record in bad)
            {
                Assert.That(byOffset.TryGetValue((record.Partition, record.Offset), out var letter), Is.True, $"{record.ExpectedReason} record at {record.Partition}/{record.Offset} is not in the DLQ");
                if (letter is null)
                {
                    continue;
                }

                Assert.That(DeadLetterHeaders.Get(letter.Message.Headers, DeadLetterHeaders.Reason), Is.EqualTo(record.ExpectedReason));
                Assert.That(DeadLetterHeaders.Get(letter.Message.Headers, DeadLetterHeaders.SourceTopic), Is.EqualTo(InputTopic));
                Assert.That(DeadLetterHeaders.Get(letter.Message.Headers, DeadLetterHeaders.Error), Is.Not.Empty);
                Assert.That(letter.Message.Value, Is.EqualTo(record.Value), "the DLQ keeps the original bytes");
            }
        });
    }

    private static async Task ProduceAsync(string topic, List<InputRecord> records, int from, int to)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
        {
            BootstrapServers = TestKafka.BootstrapServers,
            EnableIdempotence = true,
            LingerMs = 5,
        }).Build();
        var failures = 0;
        for (var i = from; i < to; i++)
        {
            var record = records[i];
            var key = System.Text.Encoding.UTF8.GetBytes(record.Transaction?.CardId ?? $"bad-{i}");
            while (true)
            {
                try
                {
                    producer.Produce(topic, new Message<byte[], byte[]> { Key = key, Value = record.Value }, report =>
                    {
                        if (report.Error.IsError)
                        {
                            Interlocked.Increment(ref failures);
                        }

                        record.Partition = report.Partition.Value;
                        record.Offset = report.Offset.Value;
                    });
                    break;
                }
                catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }
        }

        await Task.Run(() => producer.Flush(TimeSpan.FromSeconds(60)));
        Assert.That(failures, Is.Zero, "producing the scenario's input failed");
        Assert.That(records.Skip(from).Take(to - from).All(r => r.Offset >= 0), Is.True, "every input record was acknowledged");
    }
}
