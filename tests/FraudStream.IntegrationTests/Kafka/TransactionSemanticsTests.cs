using Confluent.Kafka;
using FraudStream.Streaming.ExactlyOnce;

namespace FraudStream.IntegrationTests.Kafka;

/// <summary>
/// What FraudStream's exactly-once claim rests on, checked against the cluster under test
/// (the development broker, or a real Kafka with FRAUDSTREAM_KAFKA_BOOTSTRAP): the same
/// assertions must hold on both.
/// </summary>
[TestFixture]
public sealed class TransactionSemanticsTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Committed_aborted_committed_read_committed_sees_only_the_committed_records()
    {
        var topic = await TestKafka.CreateTopicAsync("commit-abort", partitions: 1);
        using (var producer = TestKafka.TransactionalProducer(TestKafka.UniqueName("txn")))
        {
            producer.InitTransactions(s_timeout);
            await ProduceInTransaction(producer, topic, ["a1", "a2", "a3"], commit: true);
            await ProduceInTransaction(producer, topic, ["b1", "b2", "b3"], commit: false);
            await ProduceInTransaction(producer, topic, ["c1", "c2", "c3"], commit: true);
        }

        var committed = TestKafka.ReadAllValues(topic, 1, IsolationLevel.ReadCommitted);
        var everything = TestKafka.ReadAllValues(topic, 1, IsolationLevel.ReadUncommitted);

        Assert.That(committed, Is.EqualTo(new[] { "a1", "a2", "a3", "c1", "c2", "c3" }));
        Assert.That(everything, Is.EqualTo(new[] { "a1", "a2", "a3", "b1", "b2", "b3", "c1", "c2", "c3" }));
    }

    [Test]
    public async Task An_open_transaction_holds_a_read_committed_consumer_at_its_first_offset_until_it_commits()
    {
        var topic = await TestKafka.CreateTopicAsync("open-txn", partitions: 1);
        using var earlier = TestKafka.TransactionalProducer(TestKafka.UniqueName("txn"));
        using var open = TestKafka.TransactionalProducer(TestKafka.UniqueName("txn"));
        using var plain = TestKafka.IdempotentProducer();
        earlier.InitTransactions(s_timeout);
        open.InitTransactions(s_timeout);

        await ProduceInTransaction(earlier, topic, ["a1", "a2"], commit: true);
        open.BeginTransaction();
        var firstOpen = await open.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "b1" });
        await open.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "b2" });
        // A record written after the open transaction's first record is also behind the last stable offset.
        await plain.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "c1" });

        using var reader = TestKafka.ReaderFromBeginning(topic, 1, IsolationLevel.ReadCommitted);
        var beforeCommit = TestKafka.ConsumeToEnd(reader).Select(r => r.Message.Value).ToList();
        var heldAt = reader.Position(new TopicPartition(topic, 0));

        open.CommitTransaction(s_timeout);
        var afterCommit = TestKafka.ConsumeToEnd(reader).Select(r => r.Message.Value).ToList();
        reader.Close();

        Assert.Multiple(() =>
        {
            Assert.That(beforeCommit, Is.EqualTo(new[] { "a1", "a2" }));
            Assert.That(heldAt, Is.EqualTo(firstOpen.Offset), "read_committed must wait at the open transaction's first offset");
            Assert.That(afterCommit, Is.EqualTo(new[] { "b1", "b2", "c1" }));
        });
    }

    [Test]
    public async Task Consume_transform_produce_moves_offsets_and_output_together_and_an_abort_moves_neither()
    {
        const int inputPartitions = 2;
        var input = await TestKafka.CreateTopicAsync("ctp-in", inputPartitions);
        var output = await TestKafka.CreateTopicAsync("ctp-out", partitions: 1);
        var group = TestKafka.UniqueName("ctp-group");
        await ProducePlain(input, inputPartitions, Enumerable.Range(0, 10).Select(i => $"in-{i}"));

        using var producer = TestKafka.TransactionalProducer(TestKafka.UniqueName("ctp-txn"));
        producer.InitTransactions(s_timeout);
        using var consumer = new ConsumerBuilder<string, string>(TestKafka.ConsumerConfig(IsolationLevel.ReadCommitted, group)).Build();
        consumer.Subscribe(input);

        // Round 1: process everything and commit output and offsets in one transaction.
        var firstBatch = TestKafka.ConsumeToEnd(consumer);
        var positions = ProcessInTransaction(producer, consumer, output, firstBatch, commit: true);
        var committedAfterCommit = CommittedOffsets(consumer);
        var outputAfterCommit = TestKafka.ReadAllValues(output, 1, IsolationLevel.ReadCommitted);

        // Round 2: new input, processed the same way, but the transaction aborts.
        await ProducePlain(input, inputPartitions, Enumerable.Range(10, 5).Select(i => $"in-{i}"));
        var secondBatch = TestKafka.ConsumeToEnd(consumer);
        ProcessInTransaction(producer, consumer, output, secondBatch, commit: false);
        var committedAfterAbort = CommittedOffsets(consumer);
        var outputAfterAbort = TestKafka.ReadAllValues(output, 1, IsolationLevel.ReadCommitted);
        consumer.Close();

        // A new member of the group resumes from the committed offsets: the aborted work is redone.
        using var successor = new ConsumerBuilder<string, string>(TestKafka.ConsumerConfig(IsolationLevel.ReadCommitted, group)).Build();
        successor.Subscribe(input);
        var redone = TestKafka.ConsumeToEnd(successor).Select(r => r.Message.Value).Order().ToList();
        successor.Close();

        Assert.Multiple(() =>
        {
            Assert.That(firstBatch, Has.Count.EqualTo(10));
            Assert.That(committedAfterCommit, Is.EqualTo(positions), "committed offsets are the next offsets to read");
            Assert.That(outputAfterCommit.Order(), Is.EqualTo(firstBatch.Select(r => $"out-{r.Message.Value}").Order()));
            Assert.That(secondBatch, Has.Count.EqualTo(5));
            Assert.That(committedAfterAbort, Is.EqualTo(committedAfterCommit), "an aborted transaction must not move the group's offsets");
            Assert.That(outputAfterAbort, Is.EqualTo(outputAfterCommit), "an aborted transaction must not add output");
            Assert.That(redone, Is.EqualTo(secondBatch.Select(r => r.Message.Value).Order()));
        });
    }

    [Test]
    public async Task A_second_producer_with_the_same_transactional_id_fences_the_first()
    {
        var topic = await TestKafka.CreateTopicAsync("fencing", partitions: 1);
        var transactionalId = TestKafka.UniqueName("shared-txn");
        using var zombie = TestKafka.TransactionalProducer(transactionalId);
        zombie.InitTransactions(s_timeout);
        zombie.BeginTransaction();
        await zombie.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "zombie-1" });

        using var successor = TestKafka.TransactionalProducer(transactionalId);
        successor.InitTransactions(s_timeout); // fences the zombie and aborts its open transaction
        await ProduceInTransaction(successor, topic, ["successor-1"], commit: true);

        var fenced = Assert.Throws<KafkaException>(() =>
        {
            zombie.Produce(topic, new Message<string, string> { Key = "k", Value = "zombie-2" });
            zombie.CommitTransaction(s_timeout);
        });

        var visible = TestKafka.ReadAllValues(topic, 1, IsolationLevel.ReadCommitted);
        Assert.Multiple(() =>
        {
            Assert.That(fenced!.Error.IsFatal, Is.True, $"expected a fatal error, got {fenced.Error}");
            Assert.That(fenced.Error.Code, Is.AnyOf(ErrorCode.Local_Fenced, ErrorCode.ProducerFenced, ErrorCode.InvalidProducerEpoch));
            Assert.That(visible, Is.EqualTo(new[] { "successor-1" }));
        });
    }

    [Test]
    public async Task A_fenced_producer_sending_offsets_gets_an_error_the_scorer_rebuilds_for()
    {
        // The scorer's fenced path: offsets are the last thing it adds to a transaction, and a batch without
        // alerts adds nothing else, so the fence can first show in the AddOffsetsToTxn response.
        var topic = await TestKafka.CreateTopicAsync("fenced-offsets", partitions: 1);
        var transactionalId = TestKafka.UniqueName("shared-txn");
        using var group = new ConsumerBuilder<string, string>(TestKafka.ConsumerConfig(IsolationLevel.ReadCommitted)).Build();
        using var zombie = TestKafka.TransactionalProducer(transactionalId);
        zombie.InitTransactions(s_timeout);
        zombie.BeginTransaction();

        using var successor = TestKafka.TransactionalProducer(transactionalId);
        successor.InitTransactions(s_timeout);

        var fenced = Assert.Throws(Is.InstanceOf<KafkaException>(), () =>
        {
            zombie.SendOffsetsToTransaction([new TopicPartitionOffset(topic, 0, 1)], group.ConsumerGroupMetadata, s_timeout);
            zombie.CommitTransaction(s_timeout);
        }) as KafkaException;

        Assert.That(TransactionErrors.IsFenced(fenced!.Error), Is.True, $"the scorer would abort and retry {fenced.Error.Code} ({fenced.Error.Reason}, fatal: {fenced.Error.IsFatal}) forever");
    }

    [Test]
    public async Task A_fenced_producer_producing_records_gets_a_fence_not_a_sequence_error()
    {
        // A zombie in the middle of a transaction, its records already flowing, when a successor's InitTransactions
        // bumps the epoch: Kafka answers its next records INVALID_PRODUCER_EPOCH, a fence. The dev broker used to answer
        // OUT_OF_ORDER_SEQUENCE_NUMBER (it checked the new epoch's sequences), a fatal error the scorer rebuilds for,
        // and the rebuilt producer fenced the successor in turn: both instances stopped.
        var topic = await TestKafka.CreateTopicAsync("fenced-produce", partitions: 1);
        var transactionalId = TestKafka.UniqueName("shared-txn");
        using var zombie = TestKafka.TransactionalProducer(transactionalId);
        zombie.InitTransactions(s_timeout);
        zombie.BeginTransaction();
        await zombie.ProduceAsync(topic, new Message<string, string> { Key = "card", Value = "before" });

        using var successor = TestKafka.TransactionalProducer(transactionalId);
        successor.InitTransactions(s_timeout);

        var fenced = Assert.Throws(Is.InstanceOf<KafkaException>(), () =>
        {
            zombie.ProduceAsync(topic, new Message<string, string> { Key = "card", Value = "after" }).GetAwaiter().GetResult();
            zombie.CommitTransaction(s_timeout);
        }) as KafkaException;

        Assert.That(TransactionErrors.IsFenced(fenced!.Error), Is.True, $"{fenced.Error.Code} ({fenced.Error.Reason}, fatal: {fenced.Error.IsFatal}) is not a fence: the scorer would rebuild and fence its successor");
    }

    [Test]
    public async Task Offsets_sent_with_the_group_metadata_of_an_older_generation_are_refused_and_the_transaction_aborts()
    {
        // KIP-447: the coordinator checks the generation and member id sent with a transaction's offsets, so a member
        // still holding metadata from before a rebalance (a scorer that has not yet learnt it lost a partition) cannot
        // move a partition another member may already be reading; its producer must abort. The dev broker accepted
        // such offsets until 2026-12-07; the scale-out test sent some in every run.
        const int partitions = 2;
        var input = await TestKafka.CreateTopicAsync("stale-generation", partitions);
        var output = await TestKafka.CreateTopicAsync("stale-generation-out", partitions: 1);
        var group = TestKafka.UniqueName("stale-generation-group");
        await ProducePlain(input, partitions, ["in-0", "in-1"]);
        using var first = new ConsumerBuilder<string, string>(TestKafka.ConsumerConfig(IsolationLevel.ReadCommitted, group)).Build();
        first.Subscribe(input);
        TestKafka.ConsumeToEnd(first);
        var before = first.ConsumerGroupMetadata;

        using var second = new ConsumerBuilder<string, string>(TestKafka.ConsumerConfig(IsolationLevel.ReadCommitted, group)).Build();
        second.Subscribe(input);
        await Eventually.TrueAsync(() =>
        {
            first.Consume(TimeSpan.FromMilliseconds(100));
            second.Consume(TimeSpan.FromMilliseconds(100));
            return first.Assignment.Count == 1 && second.Assignment.Count == 1;
        }, "the group rebalances to one partition per member", within: TimeSpan.FromSeconds(60), every: TimeSpan.Zero);
        var kept = first.Assignment.Single();

        using var producer = TestKafka.TransactionalProducer(TestKafka.UniqueName("stale-generation-txn"));
        producer.InitTransactions(s_timeout);
        producer.BeginTransaction();
        producer.Produce(output, new Message<string, string> { Key = "k", Value = "with-old-metadata" });
        var refused = Assert.Throws(Is.InstanceOf<KafkaException>(), () =>
            producer.SendOffsetsToTransaction([new TopicPartitionOffset(kept, 1)], before, s_timeout)) as KafkaException;
        producer.AbortTransaction(s_timeout);
        await ProduceWithOffsets(producer, output, "with-current-metadata", new TopicPartitionOffset(kept, 1), first.ConsumerGroupMetadata);

        var committed = first.Committed(first.Assignment, s_timeout).Single();
        var visible = TestKafka.ReadAllValues(output, 1, IsolationLevel.ReadCommitted);
        first.Close();
        second.Close();
        Assert.Multiple(() =>
        {
            Assert.That(refused, Is.InstanceOf<KafkaTxnRequiresAbortException>(), $"{refused!.Error.Code}: the scorer aborts and rewinds only on an abortable error");
            Assert.That(refused.Error.Code, Is.EqualTo(ErrorCode.IllegalGeneration), refused.Error.Reason);
            Assert.That(committed.Offset.Value, Is.EqualTo(1), "only the offsets sent with the current metadata were committed");
            Assert.That(visible, Is.EqualTo(new[] { "with-current-metadata" }));
        });
    }

    [Test]
    public async Task Three_hundred_thousand_records_through_one_partition_are_all_readable_in_order()
    {
        const int count = 300_000;
        var topic = await TestKafka.CreateTopicAsync("volume", partitions: 1);
        var padding = new string('x', 90);
        var failedDeliveries = 0;
        using (var producer = TestKafka.IdempotentProducer())
        {
            for (var i = 0; i < count; i++)
            {
                ProduceWithBackPressure(producer, topic, new Message<string, string> { Key = "card", Value = $"{i:D8}{padding}" },
                    report => { if (report.Error.IsError) { Interlocked.Increment(ref failedDeliveries); } });
            }

            Assert.That(producer.Flush(TimeSpan.FromSeconds(120)), Is.Zero, "records still in flight after flush");
        }

        Assert.That(failedDeliveries, Is.Zero, "some records were not acknowledged");

        using var reader = TestKafka.ReaderFromBeginning(topic, 1, IsolationLevel.ReadCommitted);
        var records = TestKafka.ConsumeToEnd(reader, TimeSpan.FromMinutes(3));
        reader.Close();

        var outOfOrder = records.Select((r, i) => (Index: i, Sequence: int.Parse(r.Message.Value.AsSpan(0, 8), provider: null)))
            .FirstOrDefault(x => x.Sequence != x.Index, (Index: -1, Sequence: -1));
        Assert.Multiple(() =>
        {
            Assert.That(records, Has.Count.EqualTo(count));
            Assert.That(outOfOrder.Index, Is.EqualTo(-1), $"record {outOfOrder.Index} carries sequence {outOfOrder.Sequence}");
            Assert.That(records[0].Offset.Value, Is.Zero, "the partition lost its oldest records");
        });
    }

    private static async Task ProduceInTransaction(IProducer<string, string> producer, string topic, IEnumerable<string> values, bool commit)
    {
        producer.BeginTransaction();
        foreach (var value in values)
        {
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = value });
        }

        if (commit)
        {
            producer.CommitTransaction(s_timeout);
        }
        else
        {
            producer.AbortTransaction(s_timeout);
        }
    }

    private static async Task ProduceWithOffsets(
        IProducer<string, string> producer, string topic, string value, TopicPartitionOffset offset, IConsumerGroupMetadata metadata)
    {
        producer.BeginTransaction();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = value });
        producer.SendOffsetsToTransaction([offset], metadata, s_timeout);
        producer.CommitTransaction(s_timeout);
    }

    /// <summary>Writes round-robin over the partitions, so every partition gets new records (and a new end).</summary>
    private static async Task ProducePlain(string topic, int partitions, IEnumerable<string> values)
    {
        using var producer = TestKafka.IdempotentProducer();
        var i = 0;
        foreach (var value in values)
        {
            var partition = new TopicPartition(topic, i % partitions);
            await producer.ProduceAsync(partition, new Message<string, string> { Key = $"key-{i++}", Value = value });
        }
    }

    private static List<(int Partition, long Offset)> ProcessInTransaction(
        IProducer<string, string> producer, IConsumer<string, string> consumer, string output,
        List<ConsumeResult<string, string>> batch, bool commit)
    {
        producer.BeginTransaction();
        foreach (var record in batch)
        {
            producer.Produce(output, new Message<string, string> { Key = record.Message.Key, Value = $"out-{record.Message.Value}" });
        }

        var positions = consumer.Assignment
            .Select(tp => new TopicPartitionOffset(tp, consumer.Position(tp)))
            .OrderBy(tpo => tpo.Partition.Value)
            .ToList();
        producer.SendOffsetsToTransaction(positions, consumer.ConsumerGroupMetadata, s_timeout);
        if (commit)
        {
            producer.CommitTransaction(s_timeout);
        }
        else
        {
            producer.AbortTransaction(s_timeout);
            // The application rewinds to the committed offsets to redo the work.
            foreach (var committed in consumer.Committed(consumer.Assignment, s_timeout))
            {
                consumer.Seek(committed);
            }
        }

        return positions.Select(tpo => (tpo.Partition.Value, tpo.Offset.Value)).ToList();
    }

    private static List<(int Partition, long Offset)> CommittedOffsets(IConsumer<string, string> consumer) =>
        consumer.Committed(consumer.Assignment, s_timeout)
            .Select(tpo => (tpo.Partition.Value, tpo.Offset.Value))
            .OrderBy(x => x.Item1)
            .ToList();

    private static void ProduceWithBackPressure(
        IProducer<string, string> producer, string topic, Message<string, string> message,
        Action<DeliveryReport<string, string>> onDelivery)
    {
        while (true)
        {
            try
            {
                producer.Produce(topic, message, onDelivery);
                return;
            }
            catch (ProduceException<string, string> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }
}
