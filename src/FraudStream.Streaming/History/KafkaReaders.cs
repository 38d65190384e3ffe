using Confluent.Kafka;
using FraudStream.Streaming.ExactlyOnce;

namespace FraudStream.Streaming.History;

/// <summary>Group-less consumers the scorer's history reads its topics with (the changelog at restore, the labels always).</summary>
internal static class KafkaReaders
{
    /// <summary>
    /// A consumer with no group (partitions are assigned, nothing is committed), as the scorer's settings connect;
    /// <paramref name="keyAndValueOnly"/>: its results carry no topic, timestamp or headers (Confluent.Kafka copies
    /// each out of librdkafka for every record otherwise).
    /// </summary>
    public static IConsumer<byte[], byte[]> Create(ScorerOptions options, string purpose, IsolationLevel isolation, bool keyAndValueOnly = false)
    {
        var config = new ConsumerConfig(KafkaClientProperties.Process.ToDictionary())
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = $"fraudstream-{purpose}-unused", // required by the client; never joined (Assign only, no commits)
            ClientId = $"fraudstream-{purpose}-{options.TransactionalId}",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            EnablePartitionEof = true,
            IsolationLevel = isolation,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchQueueBackoffMs = 10,
        };
        if (keyAndValueOnly)
        {
            config.ConsumeResultFields = "none";
        }

        // Security and connection settings of the scorer's consumer apply here too; group settings mean nothing to a reader.
        foreach (var (name, value) in options.Consumer)
        {
            if (!name.StartsWith("group.", StringComparison.Ordinal) && name != "partition.assignment.strategy")
            {
                config.Set(name, value);
            }
        }

        return new ConsumerBuilder<byte[], byte[]>(config).Build();
    }
}
