using System.CommandLine;
using Confluent.Kafka;
using FraudStream.Streaming;

namespace FraudStream.Cli.Traffic;

/// <summary>How the traffic verbs (loadgen, alerts) find the Kafka cluster and a topic's partitions.</summary>
internal static class KafkaCluster
{
    /// <summary>Environment variable naming the cluster when <c>--bootstrap-servers</c> is not given (the same one the tests use).</summary>
    public const string BootstrapVariable = "FRAUDSTREAM_KAFKA_BOOTSTRAP";

    /// <summary>The sentence for a command line that names no cluster.</summary>
    public const string MissingBootstrap =
        $"No Kafka cluster given: pass --bootstrap-servers host:port or set {BootstrapVariable}.";

    private static readonly TimeSpan s_metadataTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The <c>--bootstrap-servers</c> option.</summary>
    public static Option<string?> CreateBootstrapOption() => new("--bootstrap-servers")
    {
        Description = $"Kafka bootstrap servers (default: ${BootstrapVariable}).",
        HelpName = "host:port,...",
    };

    /// <summary>The servers from the option, else the environment; null when neither is set.</summary>
    public static string? ResolveBootstrap(string? option) =>
        !string.IsNullOrWhiteSpace(option) ? option
        : Environment.GetEnvironmentVariable(BootstrapVariable) is { } fromEnvironment && !string.IsNullOrWhiteSpace(fromEnvironment) ? fromEnvironment
        : null;

    /// <summary>
    /// A read_committed consumer for following a topic by assignment: the group is never joined and nothing is
    /// committed (the group id only satisfies the client).
    /// </summary>
    public static IConsumer<byte[], byte[]> CommittedReader(string bootstrap, string clientId, int fetchWaitMaxMs) =>
        new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig(KafkaClientProperties.Process.ToDictionary())
        {
            BootstrapServers = bootstrap,
            ClientId = clientId,
            GroupId = $"{clientId}-{Guid.NewGuid():N}",
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            FetchWaitMaxMs = fetchWaitMaxMs,
        }).Build();

    /// <summary>The partition ids of <paramref name="topic"/>, asked through a client's connection; false with one sentence when there are none.</summary>
    public static bool TryGetPartitions(Handle client, string topic, string bootstrap, out IReadOnlyList<int> partitions, out string? error)
    {
        partitions = [];
        error = null;
        using var admin = new DependentAdminClientBuilder(client).Build();
        Metadata metadata;
        try
        {
            metadata = admin.GetMetadata(topic, s_metadataTimeout);
        }
        catch (KafkaException e)
        {
            error = $"Kafka at {bootstrap} did not answer for topic '{topic}' within {s_metadataTimeout.TotalSeconds:F0} s ({e.Error.Reason}): is the cluster up and the address right?";
            return false;
        }

        var found = metadata.Topics.FirstOrDefault(t => t.Topic == topic);
        if (found is null || found.Error.Code == ErrorCode.UnknownTopicOrPart || found.Partitions.Count == 0)
        {
            error = $"The topic '{topic}' does not exist on {bootstrap}: create it, or name another topic.";
            return false;
        }

        if (found.Error.IsError)
        {
            error = $"Kafka at {bootstrap} refused the metadata of topic '{topic}': {found.Error.Reason}.";
            return false;
        }

        partitions = [.. found.Partitions.Select(p => p.PartitionId).Order()];
        return true;
    }

    /// <summary>
    /// The current end of each partition (for a read_committed consumer, its last stable offset), so "from now on"
    /// means the same thing however late the fetcher starts.
    /// </summary>
    public static bool TryGetEnds<TKey, TValue>(IConsumer<TKey, TValue> consumer, string topic, IReadOnlyList<int> partitions, out List<TopicPartitionOffset> ends, out string? error)
    {
        ends = new List<TopicPartitionOffset>(partitions.Count);
        error = null;
        foreach (var partition in partitions)
        {
            var tp = new TopicPartition(topic, partition);
            try
            {
                ends.Add(new TopicPartitionOffset(tp, consumer.QueryWatermarkOffsets(tp, s_metadataTimeout).High));
            }
            catch (KafkaException e)
            {
                error = $"Kafka did not give the end of {topic} partition {partition} within {s_metadataTimeout.TotalSeconds:F0} s ({e.Error.Reason}).";
                return false;
            }
        }

        return true;
    }
}
