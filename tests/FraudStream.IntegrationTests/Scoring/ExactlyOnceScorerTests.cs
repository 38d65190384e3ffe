using System.Buffers;
using FraudStream.Avro;
using FraudStream.Avro.Registry;
using FraudStream.IntegrationTests.Kafka;
using FraudStream.Registry;
using FraudStream.Registry.Stores;
using FraudStream.Streaming.ExactlyOnce;
using Transaction = FraudStream.Core.Transactions.Transaction;

namespace FraudStream.IntegrationTests.Scoring;

/// <summary>
/// The exactly-once scorer on the broker fixture. Every test compares the committed output (read_committed) with the
/// alert set computed offline with the same model and pipeline.
/// </summary>
[TestFixture]
public sealed class ExactlyOnceScorerTests
{
    [Test]
    public async Task Hundred_thousand_transactions_give_exactly_the_expected_alerts_once_each()
    {
        // Arrange
        var registry = await TestModels.DirectoryAsync();
        using var model = await TestModels.LoadAsync(registry, await TestModels.FirstAsync());
        var scenario = await ScoringScenario.CreateAsync("e2e", count: 100_000, partitions: 4);

        // Act
        await using (var scorer = await InProcessScorer.StartAsync(scenario.Settings(TestKafka.UniqueName("txn")), registry))
        {
            await scenario.WaitUntilAllCommittedAsync();
        }

        // Assert
        scenario.AssertExactlyExpectedAlerts(model);
        Assert.That(scenario.ReadDeadLetters(), Is.Empty);
    }

    [Test]
    public async Task Bad_records_go_to_the_DLQ_once_with_their_reason_and_every_good_record_is_scored_once()
    {
        // Arrange: about 1% bad records of every kind among 20,000 good ones.
        var registry = await TestModels.DirectoryAsync();
        using var model = await TestModels.LoadAsync(registry, await TestModels.FirstAsync());
        var bad = Enumerable.Range(0, 25).SelectMany(PoisonRecords.OneOfEachKind).ToList();
        var scenario = await ScoringScenario.CreateAsync("poison", count: 20_000, partitions: 3, seed: 7, bad: bad);
        var settings = scenario.Settings(TestKafka.UniqueName("txn"));
        settings["Scorer:ScoredTopic"] = scenario.ScoredTopic;

        // Act
        await using (var scorer = await InProcessScorer.StartAsync(settings, registry))
        {
            await scenario.WaitUntilAllCommittedAsync();
        }

        // Assert
        Assert.That(bad.Select(b => b.Reason).Distinct().Count(), Is.EqualTo(PoisonRecords.Kinds));
        scenario.AssertEachBadRecordDeadLetteredOnce();
        scenario.AssertExactlyExpectedAlerts(model);

        // Every good record scored once, with the score the model gives it alone, and no bad record scored.
        scenario.AssertEachRecordScoredOnce();
        var scores = scenario.ReadScores();
        var good = scenario.Records.Where(r => r.Transaction is not null).ToDictionary(r => r.Transaction!.TransactionId);
        var history = scenario.ExpectedHistory();
        Assert.Multiple(() =>
        {
            foreach (var score in scores)
            {
                var source = good[score.TransactionId];
                Assert.That(score.Score, Is.EqualTo(ScoringScenario.ScoreOf(model, source.Transaction!, history[score.TransactionId])), score.TransactionId);
                Assert.That((score.SourcePartition, score.SourceOffset), Is.EqualTo((source.Partition, source.Offset)));
                Assert.That(score.IsFraud, Is.EqualTo(score.Score >= model.Threshold));
            }
        });
    }

    [Test]
    public async Task A_bad_record_too_large_to_dead_letter_whole_is_cut_to_fit_and_the_stream_goes_on()
    {
        // Arrange: a garbage record just under the producer's 1,000,000-byte message.max.bytes: with the reason headers
        // added, its dead letter would not fit, and a refused produce fails its batch's transaction on every retry.
        var registry = await TestModels.DirectoryAsync();
        using var model = await TestModels.LoadAsync(registry, await TestModels.FirstAsync());
        var garbage = new byte[999_900];
        new Random(14).NextBytes(garbage);
        garbage[0] = 0x07; // not the Confluent magic byte
        var scenario = await ScoringScenario.CreateAsync("oversized", count: 6_000, partitions: 2, seed: 14, bad: [("bad_magic_byte", garbage)]);

        // Act
        await using (var scorer = await InProcessScorer.StartAsync(scenario.Settings(TestKafka.UniqueName("txn")), registry))
        {
            await scenario.WaitUntilAllCommittedAsync(TimeSpan.FromMinutes(1));
        }

        // Assert
        scenario.AssertExactlyExpectedAlerts(model);
        var letter = scenario.ReadDeadLetters().Single().Message;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(DeadLetterHeaders.Get(letter.Headers, DeadLetterHeaders.Reason), Is.EqualTo("bad_magic_byte"));
            Assert.That(DeadLetterHeaders.Get(letter.Headers, DeadLetterHeaders.Truncated), Is.EqualTo("999900"));
            Assert.That(letter.Value.Length, Is.InRange(990_000, 999_899), "cut, not dropped");
            Assert.That(letter.Value, Is.EqualTo(garbage[..letter.Value.Length]), "the value kept is the original's first bytes");
        }
    }

    [Test]
    public async Task A_schema_registry_outage_longer_than_the_poll_interval_holds_the_batch_keeps_the_partitions_and_dead_letters_nothing()
    {
        // Arrange: a registry that fails its first 7 lookups (test double over the local catalog): about 13 s of
        // back-off, twice max.poll.interval.ms. A loop that stopped polling meanwhile would be evicted from the group.
        var registry = await TestModels.DirectoryAsync();
        using var model = await TestModels.LoadAsync(registry, await TestModels.FirstAsync());
        var scenario = await ScoringScenario.CreateAsync("outage", count: 5_000, partitions: 2, seed: 8);
        var flaky = new FlakySchemaRegistry(ScoringScenario.Catalog, failures: 7);
        var settings = scenario.Settings(TestKafka.UniqueName("txn"));
        settings["Scorer:Consumer:max.poll.interval.ms"] = "6000";
        settings["Scorer:Consumer:session.timeout.ms"] = "6000";

        // Act
        long lost;
        long retries;
        await using (var scorer = await InProcessScorer.StartAsync(settings, registry, flaky))
        {
            await scenario.WaitUntilAllCommittedAsync();
            lost = scorer.Metrics.PartitionsLostEvents;
            retries = scorer.Metrics.RegistryRetries;
        }

        // Assert
        Assert.That(flaky.FailuresLeft, Is.Zero, "the outage happened");
        Assert.That(retries, Is.EqualTo(7));
        Assert.That(lost, Is.Zero, "the member kept polling through the outage and was never evicted");
        Assert.That(scenario.ReadDeadLetters(), Is.Empty, "an outage is not a bad record");
        scenario.AssertExactlyExpectedAlerts(model);
    }

    [Test]
    public async Task Two_instances_with_one_stopped_mid_stream_give_the_same_result()
    {
        // Arrange
        var registry = await TestModels.DirectoryAsync();
        using var model = await TestModels.LoadAsync(registry, await TestModels.FirstAsync());
        var scenario = await ScoringScenario.CreateAsync("rebalance", count: 60_000, partitions: 6, seed: 9);
        var settings = scenario.Settings(TestKafka.UniqueName("txn-a"));
        settings["Scorer:BatchSize"] = "200";
        // Static members (the default) keep their partitions for a session timeout after they stop for good.
        settings["Scorer:Consumer:session.timeout.ms"] = "6000";

        // Act: A and B share the group; A stops (gracefully) once about a third is committed; B finishes.
        await using var a = await InProcessScorer.StartAsync(settings, registry);
        await using var b = await InProcessScorer.StartAsync(
            new Dictionary<string, string?>(settings) { ["Scorer:TransactionalId"] = TestKafka.UniqueName("txn-b") }, registry);
        await scenario.WaitUntilCommittedAsync(scenario.Records.Count / 3, TimeSpan.FromMinutes(2));
        Assert.That(a.Health.AssignedPartitions + b.Health.AssignedPartitions, Is.EqualTo(6), "both instances share the partitions");
        await a.StopAsync();
        await scenario.WaitUntilAllCommittedAsync();
        await b.StopAsync();

        // Assert
        scenario.AssertExactlyExpectedAlerts(model);
    }

    [Test]
    public async Task A_restarted_instance_takes_its_partitions_back_at_once_as_a_static_member()
    {
        // Arrange: a session timeout (5 min) longer than the test may wait, so a restarted instance that had to wait
        // for its old membership to expire would fail the test; static membership gives it the partitions at once.
        var registry = await TestModels.DirectoryAsync();
        using var model = await TestModels.LoadAsync(registry, await TestModels.FirstAsync());
        var scenario = await ScoringScenario.CreateAsync("static", count: 30_000, partitions: 4, seed: 14);
        var settings = scenario.Settings(TestKafka.UniqueName("txn-static"));
        settings["Scorer:BatchSize"] = "200";
        settings["Scorer:Consumer:session.timeout.ms"] = "300000";
        settings["Scorer:Consumer:max.poll.interval.ms"] = "300000";

        // Act: the instance stops (a static member does not leave the group) and the same instance starts again.
        await using (var first = await InProcessScorer.StartAsync(settings, registry))
        {
            await scenario.WaitUntilCommittedAsync(scenario.Records.Count / 3, TimeSpan.FromMinutes(2));
        }

        await using var restarted = await InProcessScorer.StartAsync(settings, registry);
        await scenario.WaitUntilAllCommittedAsync(TimeSpan.FromMinutes(2));

        // Assert: everything committed well within the session timeout; the restarted instance holds all four partitions
        // (polled: a cooperative rebalance the rejoin may still be finishing passes through fewer for a moment).
        await Eventually.TrueAsync(() => restarted.Health.AssignedPartitions == 4, "the restarted instance holds all four partitions",
            () => $"assigned: {restarted.Health.AssignedPartitions}", TimeSpan.FromSeconds(30));
        scenario.AssertExactlyExpectedAlerts(model);
    }

    [TestCase("memory")]
    [TestCase("rocksdb")]
    [TestCase("memory-daily")]
    [TestCase("rocksdb-daily")]
    [TestCase("memory-delta")]
    [TestCase("rocksdb-delta")]
    public async Task Instances_joining_mid_stream_take_partitions_from_a_busy_one_and_the_result_is_the_same(string store)
    {
        // Arrange
        var registry = await TestModels.DirectoryAsync();
        using var model = await TestModels.LoadAsync(registry, await TestModels.FirstAsync());
        var scenario = await ScoringScenario.CreateAsync("scale-out", count: 150_000, partitions: 6, seed: 12);
        var settings = scenario.Settings(TestKafka.UniqueName("txn-a"));
        settings["Scorer:BatchSize"] = "1000"; // scoring a batch outlasts committing the previous one: one is in flight during Consume
        settings["Scorer:Consumer:heartbeat.interval.ms"] = "100"; // members learn of a join within 100 ms, not 3 s
        var path = ScoringScenario.UseHistoryStore(settings, store); // one path: three live instances must not clear each other's directories

        // Act: A scores alone; B, then C, join while A has batches in flight, so A's revoked partitions are taken
        // from under a batch being scored (it must leave them out of its commit; their new owner redoes them).
        await using var a = await InProcessScorer.StartAsync(settings, registry);
        await scenario.WaitUntilCommittedAsync(scenario.Records.Count / 10, TimeSpan.FromMinutes(2));
        await using var b = await InProcessScorer.StartAsync(
            new Dictionary<string, string?>(settings) { ["Scorer:TransactionalId"] = TestKafka.UniqueName("txn-b") }, registry);
        await scenario.WaitUntilCommittedAsync(scenario.Records.Count * 3 / 10, TimeSpan.FromMinutes(2));
        await using var c = await InProcessScorer.StartAsync(
            new Dictionary<string, string?>(settings) { ["Scorer:TransactionalId"] = TestKafka.UniqueName("txn-c") }, registry);
        await scenario.WaitUntilAllCommittedAsync();
        Assert.That(ScoringScenario.InstanceDirectories(path), Has.Length.EqualTo(path is null ? 0 : 3), "each live instance keeps its own directory");
        await a.StopAsync();
        await b.StopAsync();
        await c.StopAsync();

        // Assert
        scenario.AssertExactlyExpectedAlerts(model);
    }

    [Test]
    public async Task A_second_instance_with_the_same_transactional_id_fences_the_first_and_the_result_is_the_same()
    {
        // Arrange
        var registry = await TestModels.DirectoryAsync();
        using var model = await TestModels.LoadAsync(registry, await TestModels.FirstAsync());
        var scenario = await ScoringScenario.CreateAsync("fencing", count: 60_000, partitions: 4, seed: 10, produceFirst: 30_000);
        var settings = scenario.Settings(TestKafka.UniqueName("txn-shared"));
        settings["Scorer:BatchSize"] = "200";

        // Act: the second half of the stream arrives only once the newcomer's InitTransactions has fenced the first
        // instance, so the first still has batches to commit then: its next commit finds it fenced, and it stops.
        await using var first = await InProcessScorer.StartAsync(settings, registry);
        await scenario.WaitUntilCommittedAsync(scenario.Records.Count / 4, TimeSpan.FromMinutes(2));
        await using var second = await InProcessScorer.StartAsync(settings, registry);
        await Eventually.TrueAsync(() => second.Health.ProducerReady, "the second instance's producer becomes ready", within: TimeSpan.FromMinutes(1));
        await scenario.ProduceRestAsync();
        await scenario.WaitUntilAllCommittedAsync();
        await first.StopAsync();
        await second.StopAsync();

        // Assert
        // Fenced by the producer (PRODUCER_FENCED) or, with static membership on a real Kafka, by the group (FENCED_INSTANCE_ID).
        Assert.That(first.Health.Fenced, Does.StartWith("Another scorer instance").And.EndWith("give every instance its own Scorer:TransactionalId."), "the first instance was fenced and said so");
        Assert.That(first.Health.ProducerInitializations, Is.EqualTo(1), "the fenced instance did not rebuild (that would fence the newcomer in turn)");
        scenario.AssertExactlyExpectedAlerts(model);
    }

    [Test]
    public async Task A_model_promoted_mid_stream_takes_over_once_per_partition()
    {
        // Arrange: a private registry, so the promotion touches no other test.
        var registry = await TestModels.CopyAsync();
        var firstVersion = await TestModels.FirstAsync();
        var secondVersion = await TestModels.SecondAsync();
        using var first = await TestModels.LoadAsync(registry, firstVersion);
        using var second = await TestModels.LoadAsync(registry, secondVersion);
        var scenario = await ScoringScenario.CreateAsync("swap", count: 80_000, partitions: 4, seed: 11);
        var settings = scenario.Settings(TestKafka.UniqueName("txn"));
        settings["Scorer:BatchSize"] = "100";

        // Act
        await using (var scorer = await InProcessScorer.StartAsync(settings, registry))
        {
            await scenario.WaitUntilCommittedAsync(scenario.Records.Count / 4, TimeSpan.FromMinutes(2));
            await new ModelRegistry(new LocalDirectoryModelStore(registry)).PromoteAsync(secondVersion, "swap under load");
            await scenario.WaitUntilAllCommittedAsync();
        }

        // Assert
        var alerts = scenario.ReadAlerts();
        var models = new Dictionary<string, Serving.ScoringModel> { [firstVersion] = first, [secondVersion] = second };
        Assert.That(alerts.Select(a => a.ModelVersion).ToHashSet(), Is.EquivalentTo(new[] { firstVersion, secondVersion }));
        Assert.That(alerts.Select(a => a.TransactionId).Distinct().Count(), Is.EqualTo(alerts.Count), "no transaction alerted twice");
        scenario.AssertAlertsPointAtTheirSource(alerts);
        var byId = scenario.Records.Where(r => r.Transaction is not null).ToDictionary(r => r.Transaction!.TransactionId);
        var history = scenario.ExpectedHistory();
        float ScoreOf(Serving.ScoringModel m, Core.Transactions.Transaction t) => ScoringScenario.ScoreOf(m, t, history[t.TransactionId]);
        foreach (var partition in alerts.GroupBy(a => a.SourcePartition))
        {
            var ordered = partition.OrderBy(a => a.SourceOffset).ToList();
            var switches = ordered.Zip(ordered.Skip(1)).Count(p => p.First.ModelVersion != p.Second.ModelVersion);
            Assert.That(switches, Is.LessThanOrEqualTo(1), $"partition {partition.Key} switched models {switches} times");
            Assert.That(ordered.TakeWhile(a => a.ModelVersion == firstVersion).Count() + ordered.SkipWhile(a => a.ModelVersion == firstVersion).Count(a => a.ModelVersion == secondVersion),
                Is.EqualTo(ordered.Count), $"partition {partition.Key}: the first model before the second");

            // Each alert is right for the version it names, and nothing is missing on either side of the switch.
            foreach (var alert in ordered)
            {
                var handle = models[alert.ModelVersion];
                Assert.That(ScoreOf(handle, byId[alert.TransactionId].Transaction!), Is.EqualTo(alert.Score));
            }

            var lastFirst = ordered.LastOrDefault(a => a.ModelVersion == firstVersion)?.SourceOffset ?? -1;
            var firstSecond = ordered.FirstOrDefault(a => a.ModelVersion == secondVersion)?.SourceOffset ?? long.MaxValue;
            var alerted = ordered.Select(a => a.TransactionId).ToHashSet();
            var inPartition = scenario.Records.Where(r => r.Transaction is not null && r.Partition == partition.Key).ToList();
            Assert.That(inPartition.Where(r => r.Offset <= lastFirst && ScoreOf(first, r.Transaction!) >= first.Threshold)
                .Count(r => !alerted.Contains(r.Transaction!.TransactionId)), Is.Zero, "missing alerts before the switch");
            Assert.That(inPartition.Where(r => r.Offset >= firstSecond && ScoreOf(second, r.Transaction!) >= second.Threshold)
                .Count(r => !alerted.Contains(r.Transaction!.TransactionId)), Is.Zero, "missing alerts after the switch");
        }
    }
}

/// <summary>A Schema Registry test double: fails its first lookups as an outage would, then answers from a real catalog.</summary>
internal sealed class FlakySchemaRegistry(ISchemaRegistry inner, int failures) : ISchemaRegistry
{
    private int _failuresLeft = failures;

    public int FailuresLeft => Math.Max(0, Volatile.Read(ref _failuresLeft));

    public Task<int> RegisterAsync(string subject, string schema, CancellationToken cancellationToken = default) =>
        inner.RegisterAsync(subject, schema, cancellationToken);

    public ValueTask<AvroSchema> GetSchemaAsync(int id, CancellationToken cancellationToken = default) =>
        Interlocked.Decrement(ref _failuresLeft) >= 0
            ? ValueTask.FromException<AvroSchema>(new SchemaRegistryUnavailableException("test double: registry down", null))
            : inner.GetSchemaAsync(id, cancellationToken);
}

/// <summary>Records the scorer must dead-letter, one of each kind, with the reason it must give.</summary>
internal static class PoisonRecords
{
    public const int Kinds = 8;

    public static IEnumerable<(string Reason, byte[] Value)> OneOfEachKind(int n)
    {
        var schemaId = ScoringScenario.Catalog.IdOf("transaction.avsc");
        var good = new Transaction($"poison-{n}", $"card-p{n}", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), 12.5, "EUR", "m-1", "5411",
            Core.Transactions.Channel.Pos, CardPresent: true);
        var framed = new TransactionMessageCodec(ScoringScenario.Catalog, new TransactionAvroCodec()).Encode(good, schemaId);

        byte[] badMagic = [.. framed];
        badMagic[0] = 1;
        yield return ("bad_magic_byte", badMagic);

        byte[] unknownId = [.. framed];
        unknownId[4] = 99; // schema id 99: the catalog (like a registry's 404) does not know it
        yield return ("unknown_schema_id", unknownId);

        yield return ("truncated", framed[..(framed.Length - 5)]);
        yield return ("missing_header", [0, 0]);
        yield return ("invalid_value", Frame(schemaId, Generic(good, "amount", -3.0)));
        yield return ("invalid_value", Frame(schemaId, Generic(good, "amount", double.NaN)));
        yield return ("missing_required_field", Frame(schemaId, Generic(good, "card_id", "")));

        // The channel enum index sits right after merchant_category "5411".
        byte[] badEnum = [.. framed];
        badEnum[badEnum.AsSpan(5).IndexOf("5411"u8) + 5 + 4] = 40;
        yield return ("unknown_enum_symbol", badEnum);

        yield return ("trailing_bytes", [.. framed, 7, 7]);
    }

    private static byte[] Frame(int schemaId, byte[] body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        ConfluentWireFormat.WriteHeader(buffer, schemaId);
        buffer.Write(body);
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Generic(Transaction t, string field, object? value)
    {
        var schema = TransactionAvroCodec.Schema;
        var record = new AvroRecord(schema)
        {
            ["transaction_id"] = t.TransactionId, ["card_id"] = t.CardId, ["event_time"] = t.EventTime.ToUnixTimeMilliseconds(),
            ["amount"] = t.Amount, ["currency"] = t.Currency, ["merchant_id"] = t.MerchantId, ["merchant_category"] = t.MerchantCategory,
            ["channel"] = "POS", ["card_present"] = t.CardPresent, ["terminal_id"] = null, ["merchant_country"] = null,
            ["merchant_latitude"] = null, ["merchant_longitude"] = null, ["cardholder_latitude"] = null, ["cardholder_longitude"] = null,
        };
        record[field] = value;
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new AvroWriter(buffer);
        AvroGenericWriter.Write(schema, record, ref writer);
        return buffer.WrittenSpan.ToArray();
    }
}
