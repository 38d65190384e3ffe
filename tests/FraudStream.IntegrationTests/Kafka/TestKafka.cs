using Confluent.Kafka;
using Confluent.Kafka.Admin;
using FraudStream.DevBroker;
using FraudStream.Streaming;

namespace FraudStream.IntegrationTests.Kafka;

/// <summary>
/// The Kafka cluster every integration test runs against (<see cref="KafkaContainerFixture.Choose"/>):
/// <c>FRAUDSTREAM_KAFKA_BOOTSTRAP</c> set → that external cluster (a real Kafka);
/// <c>FRAUDSTREAM_TEST_KAFKA=testcontainers</c> → a Kafka container (needs a Docker engine);
/// otherwise → a development broker started in this process.
/// Topic names are unique per test run, so a shared cluster works.
/// </summary>
public static class TestKafka
{
    public const string BootstrapVariable = "FRAUDSTREAM_KAFKA_BOOTSTRAP";

    private static readonly string s_runId = Guid.NewGuid().ToString("N")[..8];
    private static int s_topicCounter;
    private static DevelopmentBroker? s_devBroker;
    private static Testcontainers.Kafka.KafkaContainer? s_container;
    private static string? s_bootstrapServers;

    /// <summary>bootstrap.servers of the cluster under test.</summary>
    public static string BootstrapServers =>
        s_bootstrapServers ?? throw new InvalidOperationException("The Kafka fixture has not started.");

    /// <summary>True when the tests run on the in-process development broker.</summary>
    public static bool IsDevelopmentBroker => s_devBroker is not null;

    /// <summary>The development broker, or null on an external cluster.</summary>
    public static DevelopmentBroker? DevelopmentBrokerOrNull => s_devBroker;

    /// <summary>
    /// The development broker, for tests that inject faults through it. On an external cluster the test is skipped
    /// with this reason, counted in the run's summary: such a fault cannot be injected into a real Kafka from here.
    /// </summary>
    public static DevelopmentBroker RequireDevelopmentBroker(string fault)
    {
        if (s_devBroker is null)
        {
            Assert.Ignore($"Skipped on the external cluster {BootstrapServers}: injecting {fault} needs the development broker's fault injection.");
        }

        return s_devBroker!;
    }

    internal static void Start()
    {
        var external = Environment.GetEnvironmentVariable(BootstrapVariable);
        switch (KafkaContainerFixture.Choose(external, Environment.GetEnvironmentVariable(KafkaContainerFixture.ChoiceVariable)))
        {
            case TestCluster.External:
                s_bootstrapServers = external;
                TestContext.Progress.WriteLine($"Kafka tests run against the external cluster {external}");
                return;
            case TestCluster.Container:
                var image = Environment.GetEnvironmentVariable(KafkaContainerFixture.ImageVariable);
                (s_container, s_bootstrapServers) = KafkaContainerFixture.StartAsync(image).GetAwaiter().GetResult();
                TestContext.Progress.WriteLine($"Kafka tests run against a Kafka container ({s_container.Image.FullName}) at {s_bootstrapServers}");
                return;
            default:
                var options = new DevelopmentBrokerOptions();
                options.Topics.Clear();
                s_devBroker = DevelopmentBroker.Start(options);
                s_bootstrapServers = s_devBroker.BootstrapServers;
                TestContext.Progress.WriteLine($"Kafka tests run against a development broker at {s_bootstrapServers}");
                return;
        }
    }

    internal static void Stop()
    {
        s_devBroker?.Dispose();
        s_devBroker = null;
        s_container?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        s_container = null;
    }

    /// <summary>
    /// Creates a topic whose name is unique to this run and returns the name; <paramref name="compacted"/> sets
    /// cleanup.policy=compact (a changelog's), which the development broker accepts but does not apply.
    /// </summary>
    public static async Task<string> CreateTopicAsync(string purpose, int partitions, bool compacted = false)
    {
        var name = UniqueName(purpose);
        if (s_devBroker is not null)
        {
            s_devBroker.CreateTopic(name, partitions);
            return name;
        }

        using var admin = AdminClient();
        // Replication factor -1: the cluster's default, whatever its size.
        await admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = name,
            NumPartitions = partitions,
            ReplicationFactor = -1,
            Configs = compacted ? new Dictionary<string, string> { ["cleanup.policy"] = "compact" } : null,
        }]);
        return name;
    }

    /// <summary>A scorer's history topics: a changelog with the input's partitions, and a labels topic.</summary>
    public static async Task<(string Changelog, string Labels)> CreateHistoryTopicsAsync(string purpose, int partitions) =>
        (await CreateTopicAsync(purpose + "-changelog", partitions), await CreateTopicAsync(purpose + "-labels", 1));

    /// <summary>Environment variables naming fresh history topics, for a scorer process.</summary>
    public static async Task<Dictionary<string, string?>> HistoryEnvironmentAsync(string purpose, int partitions)
    {
        var (changelog, labels) = await CreateHistoryTopicsAsync(purpose, partitions);
        return new() { ["FRAUDSTREAM_Scorer__ChangelogTopic"] = changelog, ["FRAUDSTREAM_Scorer__LabelsTopic"] = labels };
    }

    /// <summary>An admin client of the test cluster, with the process's Kafka client properties (FRAUDSTREAM_KAFKA_CONFIG).</summary>
    public static IAdminClient AdminClient() =>
        new AdminClientBuilder(new AdminClientConfig(KafkaClientProperties.Process.ToDictionary()) { BootstrapServers = BootstrapServers }).Build();

    /// <summary>A unique name for a topic, a consumer group or a transactional.id.</summary>
    public static string UniqueName(string purpose) => $"fstest-{s_runId}-{purpose}-{Interlocked.Increment(ref s_topicCounter)}";

    public static IProducer<string, string> TransactionalProducer(string transactionalId) =>
        new ProducerBuilder<string, string>(new ProducerConfig(KafkaClientProperties.Process.ToDictionary())
        {
            BootstrapServers = BootstrapServers,
            TransactionalId = transactionalId,
            EnableIdempotence = true,
            LingerMs = 5,
        }).Build();

    public static IProducer<string, string> IdempotentProducer() =>
        new ProducerBuilder<string, string>(new ProducerConfig(KafkaClientProperties.Process.ToDictionary())
        {
            BootstrapServers = BootstrapServers,
            EnableIdempotence = true,
            LingerMs = 5,
        }).Build();

    public static ConsumerConfig ConsumerConfig(IsolationLevel isolation, string? groupId = null) => new(KafkaClientProperties.Process.ToDictionary())
    {
        BootstrapServers = BootstrapServers,
        GroupId = groupId ?? UniqueName("reader"),
        IsolationLevel = isolation,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        // End-of-partition events tell a reader it has caught up: with read_committed
        // the end is the last stable offset, so tests wait on events, not on sleeps.
        EnablePartitionEof = true,
        FetchWaitMaxMs = 50,
        // librdkafka debug contexts for the test clients, e.g. FRAUDSTREAM_KAFKA_DEBUG=cgrp,fetch.
        Debug = Environment.GetEnvironmentVariable("FRAUDSTREAM_KAFKA_DEBUG"),
    };

    /// <summary>A consumer assigned to every partition of <paramref name="topic"/> from the beginning.</summary>
    public static IConsumer<string, string> ReaderFromBeginning(string topic, int partitions, IsolationLevel isolation)
    {
        var consumer = new ConsumerBuilder<string, string>(ConsumerConfig(isolation)).Build();
        consumer.Assign(Enumerable.Range(0, partitions)
            .Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        return consumer;
    }

    /// <summary>
    /// Consumes until every assigned partition is at its end as of this call: the high watermark,
    /// or under read_committed the last stable offset (what ListOffsets reports for the consumer's
    /// isolation level). End-of-partition events from before the call are not taken for the end,
    /// so records produced while the consumer was fetching are all read. Fails the test if the end
    /// is not reached within <paramref name="limit"/>.
    /// </summary>
    public static List<ConsumeResult<TKey, TValue>> ConsumeToEnd<TKey, TValue>(IConsumer<TKey, TValue> consumer, TimeSpan? limit = null)
    {
        var records = new List<ConsumeResult<TKey, TValue>>();
        var ends = new Dictionary<TopicPartition, long>();
        var atEnd = new HashSet<TopicPartition>();
        var timeLimit = limit ?? TimeSpan.FromSeconds(60);
        var deadline = Environment.TickCount64 + (long)timeLimit.TotalMilliseconds;
        while (true)
        {
            var assignment = consumer.Assignment;
            foreach (var tp in assignment.Where(tp => !ends.ContainsKey(tp)))
            {
                ends[tp] = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value;
                var position = consumer.Position(tp);
                if (position != Offset.Unset && position.Value >= ends[tp])
                {
                    atEnd.Add(tp); // already there: no new end-of-partition event will come
                }
            }

            if (assignment.Count > 0 && assignment.All(atEnd.Contains))
            {
                return records;
            }

            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail($"The consumer did not reach the end of {string.Join(", ", assignment.Except(atEnd))} " +
                            $"within {timeLimit}; it read {records.Count} records.");
            }

            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                continue;
            }

            if (!result.IsPartitionEOF)
            {
                records.Add(result);
            }
            else if (ends.TryGetValue(result.TopicPartition, out var end) && result.Offset.Value >= end)
            {
                atEnd.Add(result.TopicPartition);
            }
        }
    }

    /// <summary>A byte[] consumer assigned to every partition of <paramref name="topic"/> from the beginning.</summary>
    /// <summary>Waits until <paramref name="group"/> has committed at least <paramref name="records"/> records of <paramref name="topic"/>.</summary>
    public static async Task WaitUntilCommittedAsync(string group, string topic, int partitions, long records, TimeSpan limit, Func<string>? context = null)
    {
        long committed = 0;
        await Eventually.TrueAsync(() => (committed = CommittedRecords(group, topic, partitions)) >= records,
            $"the scorer group commits {records} records", () => $"It committed {committed}.\n{context?.Invoke()}", limit, TimeSpan.FromMilliseconds(25));
    }

    /// <summary>Records <paramref name="group"/> has committed on <paramref name="topic"/>, summed over its partitions (offsets start at 0).</summary>
    public static long CommittedRecords(string group, string topic, int partitions)
    {
        // read_uncommitted: a read_committed client asks for stable offsets (KIP-447) and waits while a killed
        // scorer's transaction is still open; the broker returns only committed offsets either way.
        using var probe = new ConsumerBuilder<byte[], byte[]>(ConsumerConfig(IsolationLevel.ReadUncommitted, group)).Build();
        var committed = probe.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(10));
        return committed.Sum(c => Math.Max(0, c.Offset.Value));
    }

    /// <summary>
    /// Watches a topic for records written by transactions still open: the gap, over its partitions, between the end
    /// (high watermark) and the last stable offset a read_committed reader is given.
    /// </summary>
    public sealed class OpenTransactionProbe(string topic, int partitions) : IDisposable
    {
        private readonly IConsumer<byte[], byte[]> _uncommitted = new ConsumerBuilder<byte[], byte[]>(ConsumerConfig(IsolationLevel.ReadUncommitted)).Build();
        private readonly IConsumer<byte[], byte[]> _committed = new ConsumerBuilder<byte[], byte[]>(ConsumerConfig(IsolationLevel.ReadCommitted)).Build();

        /// <summary>Records written by open transactions right now.</summary>
        public long OpenRecords()
        {
            long open = 0;
            for (var p = 0; p < partitions; p++)
            {
                var partition = new TopicPartition(topic, p);
                var end = _uncommitted.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).High.Value;
                var stable = _committed.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).High.Value;
                open += Math.Max(0, end - stable);
            }

            return open;
        }

        public void Dispose()
        {
            _uncommitted.Dispose();
            _committed.Dispose();
        }
    }

    public static IConsumer<byte[], byte[]> RawReaderFromBeginning(string topic, int partitions, IsolationLevel isolation)
    {
        var consumer = new ConsumerBuilder<byte[], byte[]>(ConsumerConfig(isolation)).Build();
        consumer.Assign(Enumerable.Range(0, partitions)
            .Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        return consumer;
    }

    /// <summary>Reads a whole topic from the beginning with the given isolation, in offset order per partition.</summary>
    public static List<ConsumeResult<byte[], byte[]>> ReadAllRecords(string topic, int partitions, IsolationLevel isolation)
    {
        using var reader = RawReaderFromBeginning(topic, partitions, isolation);
        var records = ConsumeToEnd(reader)
            .OrderBy(r => r.Partition.Value).ThenBy(r => r.Offset.Value)
            .ToList();
        reader.Close();
        return records;
    }

    /// <summary>Reads a whole topic from the beginning with the given isolation and returns the values in offset order per partition.</summary>
    public static List<string> ReadAllValues(string topic, int partitions, IsolationLevel isolation)
    {
        using var reader = ReaderFromBeginning(topic, partitions, isolation);
        var values = ConsumeToEnd(reader)
            .OrderBy(r => r.Partition.Value).ThenBy(r => r.Offset.Value)
            .Select(r => r.Message.Value)
            .ToList();
        reader.Close();
        return values;
    }
}
