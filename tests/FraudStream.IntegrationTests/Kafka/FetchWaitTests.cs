using System.Text.Json;
using Confluent.Kafka;

namespace FraudStream.IntegrationTests.Kafka;

/// <summary>
/// How a fetch that found nothing waits (fetch.wait.max.ms): answered early by new data in a partition it asked for,
/// not by data in other partitions of the same broker, as Kafka's delayed fetches are. The development broker once
/// woke every waiting fetch of a broker at every append there, which multiplied its work with the number of readers.
/// </summary>
[TestFixture]
public sealed class FetchWaitTests
{
    private const int AppendsElsewhere = 30;

    [Test]
    public async Task A_waiting_fetch_is_answered_by_its_own_partitions_data_not_by_appends_to_another_partition_of_its_broker()
    {
        // Arrange: two partitions led by the same broker; a reader waits on one of them, up to 3 s a fetch.
        var topic = await TestKafka.CreateTopicAsync("fetch-wait", partitions: 6);
        var (waitedOn, elsewhere) = TwoPartitionsOfOneLeader(topic);
        long fetches = 0;
        var config = TestKafka.ConsumerConfig(IsolationLevel.ReadCommitted);
        config.FetchWaitMaxMs = 3000;
        config.StatisticsIntervalMs = 50;
        using var reader = new ConsumerBuilder<string, string>(config)
            .SetStatisticsHandler((_, json) => Interlocked.Exchange(ref fetches, FetchRequestsSent(json)))
            .Build();
        reader.Assign(new TopicPartitionOffset(topic, waitedOn, Offset.End));
        using var producer = TestKafka.IdempotentProducer();
        await producer.ProduceAsync(new TopicPartition(topic, elsewhere), new Message<string, string> { Key = "k", Value = "warm-up" });
        ConsumeFor(reader, TimeSpan.FromSeconds(1)); // the reader has found its end and waits there

        // Act: records appended one by one to the other partition, each acknowledged before the next.
        var before = Interlocked.Read(ref fetches);
        for (var i = 0; i < AppendsElsewhere; i++)
        {
            await producer.ProduceAsync(new TopicPartition(topic, elsewhere), new Message<string, string> { Key = "k", Value = $"other-{i}" });
            ConsumeFor(reader, TimeSpan.FromMilliseconds(20));
        }

        ConsumeFor(reader, TimeSpan.FromMilliseconds(200)); // the last statistics
        var duringAppends = Interlocked.Read(ref fetches) - before;
        TestContext.Out.WriteLine($"Fetch requests while {AppendsElsewhere} records went to another partition of its broker: {duringAppends}.");

        // and then one record in the partition it waits on.
        await producer.ProduceAsync(new TopicPartition(topic, waitedOn), new Message<string, string> { Key = "k", Value = "mine" });
        var mine = TestKafka.ConsumeToEnd(reader, TimeSpan.FromSeconds(30)).Select(r => r.Message.Value).ToList();

        // Assert: in the second or so the appends take, a 3 s wait runs out at most once; an answer per append would
        // be 30 fetches.
        Assert.Multiple(() =>
        {
            Assert.That(before, Is.GreaterThan(0), "the statistics report the reader's fetch requests");
            Assert.That(duringAppends, Is.LessThan(AppendsElsewhere / 3),
                $"fetch requests while {AppendsElsewhere} records went to partition {elsewhere} of the same broker");
            Assert.That(mine, Is.EqualTo(new[] { "mine" }), "new data in the partition it waits on answers it");
        });
    }

    /// <summary>Two partitions of <paramref name="topic"/> whose leader is the same broker.</summary>
    private static (int WaitedOn, int Elsewhere) TwoPartitionsOfOneLeader(string topic)
    {
        using var admin = TestKafka.AdminClient();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions;
        var shared = partitions.GroupBy(p => p.Leader).FirstOrDefault(g => g.Count() >= 2)
            ?? throw new InconclusiveException($"No broker leads two of {topic}'s {partitions.Count} partitions.");
        var pair = shared.Take(2).Select(p => p.PartitionId).ToList();
        return (pair[0], pair[1]);
    }

    /// <summary>The Fetch requests the client has sent to every broker, from librdkafka's statistics.</summary>
    private static long FetchRequestsSent(string statistics)
    {
        using var json = JsonDocument.Parse(statistics);
        var sent = 0L;
        foreach (var broker in json.RootElement.GetProperty("brokers").EnumerateObject())
        {
            if (broker.Value.TryGetProperty("req", out var requests) && requests.TryGetProperty("Fetch", out var count))
            {
                sent += count.GetInt64();
            }
        }

        return sent;
    }

    /// <summary>Calls Consume for <paramref name="duration"/> (statistics are served by it); fails on any record.</summary>
    private static void ConsumeFor(IConsumer<string, string> reader, TimeSpan duration)
    {
        var until = Environment.TickCount64 + (long)duration.TotalMilliseconds;
        while (Environment.TickCount64 < until)
        {
            if (reader.Consume(TimeSpan.FromMilliseconds(10)) is { IsPartitionEOF: false } record)
            {
                Assert.Fail($"The reader got {record.TopicPartitionOffset} before anything was produced to its partition.");
            }
        }
    }
}
