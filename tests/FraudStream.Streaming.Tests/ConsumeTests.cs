using Confluent.Kafka;
using FraudStream.Streaming.ExactlyOnce;
using FraudStream.Streaming.Tests.Fakes;

namespace FraudStream.Streaming.Tests;

/// <summary>What the engine does with consume errors and with a batch held up by a dependency outage, on fake clients.</summary>
[TestFixture]
public sealed class ConsumeTests
{
    [Test]
    public async Task A_record_error_dead_letters_that_record_and_the_stream_goes_on()
    {
        var cluster = new FakeCluster("in", partitions: 2, recordsPerPartition: 30);
        var bad = new TopicPartitionOffset("in", 0, 5);
        cluster.FailConsumeAt(bad, new Error(ErrorCode.Local_BadMsg, "corrupt message"));
        using var engine = new EngineHarness(cluster);

        await engine.RunToEndAsync();

        var letters = cluster.CommittedOutputs().Where(o => o.Topic == engine.Options.DeadLetterTopic).ToList();
        Assert.That(letters, Has.Count.EqualTo(1));
        Assert.That(engine.Outputs(), Is.EquivalentTo(engine.ExpectedOutputs().Where(v => v != "p0-5")), "only the unreadable record is missing");
    }

    [Test]
    public async Task A_bad_record_read_last_before_a_pause_is_dead_lettered_once()
    {
        // The corrupt record is the last of partition 0, and its batch is held up (partitions paused, then resumed):
        // librdkafka resumes from the application position, which a record it could not read does not move.
        var cluster = new FakeCluster("in", partitions: 2, recordsPerPartition: 30);
        cluster.FailConsumeAt(new TopicPartitionOffset("in", 0, 29), new Error(ErrorCode.Local_BadMsg, "corrupt message"));
        cluster.Partitions[1].AddRange(Enumerable.Range(30, 100).Select(i => System.Text.Encoding.UTF8.GetBytes($"p1-{i}"))); // the next batch fills meanwhile
        using var engine = new EngineHarness(cluster);
        engine.Handler.HoldRejected.Reset();

        await engine.StartAsync();
        await Eventually.TrueAsync(() => engine.Clients.Consumer is { ConsumesWhilePaused: > 5 }, "the batch with the bad record held up, partitions paused", cluster.RecentCalls);
        engine.Handler.HoldRejected.Set();
        await Eventually.TrueAsync(cluster.AllCommitted, "every input record committed", cluster.RecentCalls);
        await engine.Processor.StopAsync(CancellationToken.None);

        Assert.That(cluster.CommittedOutputs().Count(o => o.Topic == engine.Options.DeadLetterTopic), Is.EqualTo(1));
        Assert.That(engine.Outputs(), Is.EquivalentTo(engine.ExpectedOutputs().Where(v => v != "p0-29")));
    }

    [Test]
    public async Task A_processing_failure_fails_the_loop_after_closing_the_consumer_and_the_producer()
    {
        var cluster = new FakeCluster("in", partitions: 2, recordsPerPartition: 30);
        using var engine = new EngineHarness(cluster);
        engine.Handler.FailWhen = batch => batch.Records.Exists(r => r.Offset.Value >= 20);

        await engine.StartAsync();
        await Eventually.TrueAsync(() => engine.Processor.ExecuteTask!.IsCompleted, "the loop ended", cluster.RecentCalls);

        Assert.That(engine.Processor.ExecuteTask!.IsFaulted, Is.True, "a bug surfaces as a failed scorer (exit code 1)");
        Assert.That(cluster.CallCount("Close"), Is.EqualTo(1), "the consumer left the group");
        Assert.That(cluster.CallCount("Producer.Dispose"), Is.EqualTo(1), "the producer was disposed");
        Assert.That(cluster.AllCommitted(), Is.False);
    }

    [TestCase(ErrorCode.TopicAuthorizationFailed)]
    [TestCase(ErrorCode.Local_AutoOffsetReset)]
    [TestCase(ErrorCode.NotLeaderForPartition)]
    public async Task A_partition_error_skips_nothing_and_dead_letters_nothing(ErrorCode code)
    {
        // The error carries the fetch position (offset 3), not a record: offset 3 must still be read and output.
        var cluster = new FakeCluster("in", partitions: 2, recordsPerPartition: 30);
        cluster.FailConsumeAt(new TopicPartitionOffset("in", 1, 3), new Error(code, "partition error"));
        using var engine = new EngineHarness(cluster);

        await engine.RunToEndAsync();

        Assert.That(engine.Metrics.PartitionErrors, Is.EqualTo(1), "the fault fired");
        Assert.That(cluster.CommittedOutputs().Where(o => o.Topic == engine.Options.DeadLetterTopic), Is.Empty);
        Assert.That(engine.Outputs(), Is.EquivalentTo(engine.ExpectedOutputs()));
    }

    [Test]
    public async Task A_fatal_consumer_error_FENCED_INSTANCE_ID_stops_the_instance_with_one_sentence()
    {
        // Another live instance joined with this one's group.instance.id (the transactional id).
        var cluster = new FakeCluster("in", partitions: 2, recordsPerPartition: 30);
        cluster.FailConsumeAt(new TopicPartitionOffset("in", 0, 12), new Error(ErrorCode.FencedInstanceId, "fenced by a newer instance", isFatal: true));
        using var engine = new EngineHarness(cluster);

        await engine.StartAsync();
        await Eventually.TrueAsync(() => engine.Processor.ExecuteTask!.IsCompleted, "the loop ended", cluster.RecentCalls);

        Assert.That(engine.Processor.ExecuteTask!.IsFaulted, Is.False);
        Assert.That(engine.Lifetime.StopRequested, Is.True);
        Assert.That(engine.Health.Fenced, Does.Contain("FENCED_INSTANCE_ID").And.Contain("Scorer:TransactionalId"));
        Assert.That(cluster.AllCommitted(), Is.False, "nothing after the fatal error was committed");
    }

    [Test]
    public async Task A_batch_held_up_by_an_outage_keeps_the_consumer_polling_with_its_partitions_paused()
    {
        // Arrange: processing waits, as the scorer waits for an unavailable Schema Registry.
        var cluster = new FakeCluster("in", partitions: 2, recordsPerPartition: 200);
        using var engine = new EngineHarness(cluster);
        engine.Handler.Hold.Reset();

        // Act: the member must keep calling Consume (else max.poll.interval.ms evicts it), taking no new records.
        await engine.StartAsync();
        await Eventually.TrueAsync(() => engine.Clients.Consumer is { ConsumesWhilePaused: > 20 }, "Consume called with every partition paused", cluster.RecentCalls);
        var committedDuringOutage = cluster.CommittedOutputs().Count;
        engine.Handler.Hold.Set();
        await Eventually.TrueAsync(cluster.AllCommitted, "every input record committed", cluster.RecentCalls);
        await engine.Processor.StopAsync(CancellationToken.None);

        // Assert
        Assert.That(committedDuringOutage, Is.Zero);
        Assert.That(engine.Outputs(), Is.EquivalentTo(engine.ExpectedOutputs()));
    }

    [Test]
    public async Task With_natural_batching_a_batch_closes_when_nothing_more_is_at_hand_instead_of_waiting_out_the_linger()
    {
        // A linger no test could wait out: only natural batching lets these 60 records commit.
        var cluster = new FakeCluster("in", partitions: 2, recordsPerPartition: 30);
        using var engine = new EngineHarness(cluster, o =>
        {
            o.BatchSize = 10_000;
            o.Linger = TimeSpan.FromMinutes(10);
        });

        await engine.RunToEndAsync();

        Assert.That(engine.Outputs(), Is.EquivalentTo(engine.ExpectedOutputs()));
        Assert.That(engine.Metrics.TransactionsCommitted, Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public void A_revoked_partition_is_resumed_so_it_is_not_still_paused_if_it_comes_back()
    {
        using var engine = new EngineHarness(new FakeCluster("in", partitions: 2, recordsPerPartition: 10));
        var collector = engine.NewCollector();
        var consumer = (FakeConsumer)engine.Clients.CreateConsumer(collector, new RecordBytes(capacity: 0));
        var partition = new TopicPartition("in", 0);
        consumer.Pause([partition]);

        collector.Revoked(consumer, [partition], lost: false);

        Assert.That(consumer.IsPaused(partition), Is.False);
    }

    [Test]
    public void Revoked_partitions_leave_the_batch_being_collected_and_are_masked_in_the_batch_in_flight()
    {
        // Arrange
        using var engine = new EngineHarness(new FakeCluster("in", partitions: 2, recordsPerPartition: 10));
        var collector = engine.NewCollector();
        var inFlight = Batch((0, 0), (1, 0), (0, 1));
        var collecting = Batch((1, 1), (0, 2), (1, 2));
        collecting.Rejected.Add(new Rejection(2, "bad", new FormatException()));
        collector.InFlight = inFlight;
        collector.Collecting = collecting;
        var consumer = (FakeConsumer)engine.Clients.CreateConsumer(collector, new RecordBytes(capacity: 0));

        // Act
        collector.Revoked(consumer, [new TopicPartition("in", 0)], lost: false);

        // Assert
        Assert.That(inFlight.NextOffsets(), Is.EqualTo(new[] { new TopicPartitionOffset("in", 1, 1) }));
        Assert.That(collecting.Records.Select(r => r.Offset.Value), Is.EqualTo(new long[] { 1, 2 }));
        Assert.That(collecting.Rejected.Single().Row, Is.EqualTo(1), "the rejection follows its record");
    }

    [Test]
    public void A_record_of_a_partition_revoked_before_it_was_handed_out_is_not_collected()
    {
        // Arrange: the fake consumer keeps handing out partition 0's records after its revocation, as librdkafka may
        // for records it fetched before.
        using var engine = new EngineHarness(new FakeCluster("in", partitions: 2, recordsPerPartition: 10));
        var collector = engine.NewCollector();
        collector.Collecting = new RecordBatch(new EchoBatchHandler().CreateWork());
        var consumer = (FakeConsumer)engine.Clients.CreateConsumer(collector, new RecordBytes(capacity: 0));
        consumer.Subscribe("in");
        var first = consumer.Consume(TimeSpan.Zero); // assigns both partitions, hands out partition 0's first record
        collector.Revoked(consumer, [new TopicPartition("in", 0)], lost: false);

        // Act: each dropped record ends a Collect call as "nothing at hand"; the loop calls it again.
        for (var call = 0; call < 100 && collector.Collecting.Count < 10; call++)
        {
            collector.Collect(consumer, null, CancellationToken.None);
        }

        // Assert: partition 1's ten records only.
        Assert.That(first?.TopicPartitionOffset, Is.EqualTo(new TopicPartitionOffset("in", 0, 0)));
        Assert.That(collector.Collecting.Records.Select(r => r.TopicPartitionOffset.ToString()),
            Is.EqualTo(Enumerable.Range(0, 10).Select(o => new TopicPartitionOffset("in", 1, o).ToString())));
    }

    [Test]
    public void While_a_batch_is_in_flight_the_collector_takes_what_is_at_hand_and_waits_on_that_batch_not_on_the_consumer()
    {
        // Arrange: ten records at hand; the batch in flight finishes a little later, from another thread.
        using var engine = new EngineHarness(new FakeCluster("in", partitions: 1, recordsPerPartition: 10), NeitherFullNorLingering);
        var collector = engine.NewCollector();
        collector.Collecting = new RecordBatch(new EchoBatchHandler().CreateWork());
        collector.InFlight = new RecordBatch(new EchoBatchHandler().CreateWork());
        var consumer = (FakeConsumer)engine.Clients.CreateConsumer(collector, new RecordBytes(capacity: 0));
        consumer.Subscribe("in");
        var processing = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var finish = new Timer(_ => processing.SetResult(true), null, TimeSpan.FromMilliseconds(50), Timeout.InfiniteTimeSpan);

        // Act
        var outcome = collector.Collect(consumer, processing.Task, CancellationToken.None);

        // Assert: its commit can start the moment it is processed, and nothing at hand was left behind.
        Assert.That(outcome, Is.EqualTo(CollectOutcome.InFlightDone));
        Assert.That(collector.Collecting.Count, Is.EqualTo(10));
        Assert.That(consumer.WaitingConsumes, Is.Zero, "a Consume that waits for records would hold the commit up until it returns");
    }

    [Test]
    public void Waiting_for_the_batch_in_flight_when_the_next_is_ready_does_not_wait_on_the_consumer_either()
    {
        using var engine = new EngineHarness(new FakeCluster("in", partitions: 1, recordsPerPartition: 10), NeitherFullNorLingering);
        var collector = engine.NewCollector();
        collector.Collecting = new RecordBatch(new EchoBatchHandler().CreateWork());
        var consumer = (FakeConsumer)engine.Clients.CreateConsumer(collector, new RecordBytes(capacity: 0));
        consumer.Subscribe("in");
        var processing = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var finish = new Timer(_ => processing.SetResult(true), null, TimeSpan.FromMilliseconds(50), Timeout.InfiniteTimeSpan);

        collector.PollUntil(consumer, processing.Task);

        Assert.That(processing.Task.IsCompleted, Is.True);
        Assert.That(collector.Collecting.Count, Is.EqualTo(10), "what was at hand is taken meanwhile");
        Assert.That(consumer.WaitingConsumes, Is.Zero);
    }

    [Test]
    public void A_batch_commits_each_kept_partition_past_its_highest_offset_whatever_the_order_of_its_runs()
    {
        // Runs of one partition interleave (as fetches from several brokers do); partition 2 was revoked meanwhile.
        var batch = Batch((0, 0), (0, 1), (1, 5), (0, 2), (1, 6), (2, 9), (0, 3), (3, 7), (3, 4));
        batch.Dropped.Add(new TopicPartition("in", 2));

        var next = batch.NextOffsets();

        Assert.That(next, Is.EquivalentTo(new[]
        {
            new TopicPartitionOffset("in", 0, 4),
            new TopicPartitionOffset("in", 1, 7),
            new TopicPartitionOffset("in", 3, 8),
        }));
    }

    /// <summary>Room for every record, and a linger no test run outlasts: only the batch in flight ends the wait.</summary>
    private static void NeitherFullNorLingering(ScorerOptions options)
    {
        options.BatchSize = 100;
        options.Linger = TimeSpan.FromSeconds(10);
    }

    private static RecordBatch Batch(params (int Partition, long Offset)[] records)
    {
        var batch = new RecordBatch(new EchoBatchHandler().CreateWork());
        foreach (var (partition, offset) in records)
        {
            batch.Records.Add(new ConsumeResult<byte[], byte[]> { TopicPartitionOffset = new TopicPartitionOffset("in", partition, offset), Message = new Message<byte[], byte[]> { Value = [] } });
        }

        return batch;
    }
}
