using FraudStream.Core;

namespace FraudStream.DevBroker;

/// <summary>How to start a <see cref="DevelopmentBroker"/>: broker count, topics and per-partition retention.</summary>
public sealed class DevelopmentBrokerOptions
{
    /// <summary>Upstream's mock keeps only 5 MB per partition; a 10-minute run at 50k records/s (~4.5 GB) fits in one partition.</summary>
    public const long DefaultRetentionBytesPerPartition = 8L * 1024 * 1024 * 1024;

    /// <summary>Upstream's mock keeps only 100k message sets per partition.</summary>
    public const long DefaultRetentionMessageSetsPerPartition = 100_000_000;

    /// <summary>Number of brokers in the cluster, all on loopback; at least 1.</summary>
    public int BrokerCount { get; set; } = 3;

    /// <summary>Topics created at start, name → partition count; defaults to FraudStream's three topics.</summary>
    public IDictionary<string, int> Topics { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        [KafkaTopics.DefaultTransactions] = 8,
        [KafkaTopics.DefaultFraudAlerts] = 8,
        [KafkaTopics.DefaultDeadLetters] = 1,
    };

    /// <summary>Bytes each partition keeps before dropping its oldest records (FraudStream's patched librdkafka only).</summary>
    public long RetentionBytesPerPartition { get; set; } = DefaultRetentionBytesPerPartition;

    /// <summary>Message sets each partition keeps before dropping its oldest ones (FraudStream's patched librdkafka only).</summary>
    public long RetentionMessageSetsPerPartition { get; set; } = DefaultRetentionMessageSetsPerPartition;

    /// <summary>
    /// How long a consumer group that was empty waits for more members before its first assignment
    /// (Kafka's group.initial.rebalance.delay.ms). Zero, as development Kafka setups use, so a
    /// single consumer starts at once.
    /// </summary>
    public TimeSpan GroupInitialRebalanceDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Adds a topic to create at start, or changes the partition count of one already listed.</summary>
    public DevelopmentBrokerOptions CreateTopic(string name, int partitions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        Topics[name] = partitions;
        return this;
    }

    /// <summary>Throws <see cref="ArgumentException"/> with one clear sentence when a setting cannot work.</summary>
    public void Validate()
    {
        if (GroupInitialRebalanceDelay < TimeSpan.Zero || GroupInitialRebalanceDelay > TimeSpan.FromMinutes(5))
        {
            throw new ArgumentException($"The group initial rebalance delay must be between 0 and 5 minutes, not {GroupInitialRebalanceDelay}.");
        }

        if (BrokerCount < 1)
        {
            throw new ArgumentException($"The development broker needs at least 1 broker, not {BrokerCount}.");
        }

        if (RetentionBytesPerPartition < 1)
        {
            throw new ArgumentException($"Retention per partition must be at least 1 byte, not {RetentionBytesPerPartition}.");
        }

        if (RetentionMessageSetsPerPartition < 1)
        {
            throw new ArgumentException($"Retention per partition must be at least 1 message set, not {RetentionMessageSetsPerPartition}.");
        }

        foreach (var (name, partitions) in Topics)
        {
            ValidateTopic(name, partitions);
        }
    }

    internal static void ValidateTopic(string name, int partitions)
    {
        if (!KafkaTopics.IsLegalName(name))
        {
            throw new ArgumentException(
                $"Topic name '{name}' is not legal in Kafka: use 1 to 249 of the characters a-z, A-Z, 0-9, '.', '_' and '-', and not '.' or '..' alone.");
        }

        if (partitions < 1)
        {
            throw new ArgumentException($"Topic '{name}' needs at least 1 partition, not {partitions}.");
        }
    }
}
