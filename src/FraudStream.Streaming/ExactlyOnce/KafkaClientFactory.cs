using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>Tells the engine about partition assignment changes; called from inside <c>Consume</c>.</summary>
public interface IPartitionListener
{
    /// <summary>Partitions newly assigned to this instance.</summary>
    void Assigned(IConsumer<byte[], byte[]> consumer, IReadOnlyList<TopicPartition> partitions);

    /// <summary>Partitions taken away: revoked in a rebalance (<paramref name="lost"/> false) or lost with the membership.</summary>
    void Revoked(IConsumer<byte[], byte[]> consumer, IReadOnlyList<TopicPartition> partitions, bool lost);
}

/// <summary>Builds the engine's Kafka clients; the seam through which tests drive the engine with fakes.</summary>
public interface IKafkaClientFactory
{
    /// <summary>
    /// A read_committed consumer of the group, without auto-commit, reporting assignment changes to <paramref name="listener"/>
    /// and copying each record's key and value with <paramref name="recordBytes"/>.
    /// </summary>
    IConsumer<byte[], byte[]> CreateConsumer(IPartitionListener listener, IDeserializer<byte[]> recordBytes);

    /// <summary>A transactional producer with this instance's transactional.id (InitTransactions not yet called).</summary>
    IProducer<byte[], byte[]> CreateProducer();
}

/// <summary>The Confluent.Kafka clients the scorer runs on, configured from <see cref="ScorerOptions"/> for exactly-once processing (README: The scorer).</summary>
public sealed partial class KafkaClientFactory(IOptions<ScorerOptions> options, ILogger<KafkaClientFactory> logger) : IKafkaClientFactory
{
    private readonly ScorerOptions _options = options.Value;

    /// <inheritdoc />
    public IConsumer<byte[], byte[]> CreateConsumer(IPartitionListener listener, IDeserializer<byte[]> recordBytes)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(recordBytes);
        var config = new ConsumerConfig(KafkaClientProperties.Process.ToDictionary())
        {
            BootstrapServers = _options.BootstrapServers,
            GroupId = _options.GroupId,
            ClientId = $"fraudstream-scorer-{_options.TransactionalId}",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            AutoOffsetReset = _options.AutoOffsetReset == "latest" ? AutoOffsetReset.Latest : AutoOffsetReset.Earliest,
            // librdkafka's 1 s default idles a fast reader whenever its prefetch queue fills (110k vs 290k records/s measured).
            FetchQueueBackoffMs = 10,
            // No topic name in each result: Confluent.Kafka copies it out of librdkafka for every record (a tenth of the
            // loop thread's time in a profile); the scorer reads one topic and names it itself (BatchCollector).
            ConsumeResultFields = "headers,timestamp",
        };
        if (_options.StaticMembership)
        {
            // Stable per instance like the transactional id: a restarted instance takes its partitions back at once.
            config.GroupInstanceId = _options.TransactionalId;
        }

        foreach (var (name, value) in _options.Consumer)
        {
            config.Set(name, value);
        }

        return new ConsumerBuilder<byte[], byte[]>(config)
            .SetKeyDeserializer(recordBytes)
            .SetValueDeserializer(recordBytes)
            .SetPartitionsAssignedHandler((c, partitions) => listener.Assigned(c, partitions))
            .SetPartitionsRevokedHandler((c, partitions) => listener.Revoked(c, [.. partitions.Select(p => p.TopicPartition)], lost: false))
            .SetPartitionsLostHandler((c, partitions) => listener.Revoked(c, [.. partitions.Select(p => p.TopicPartition)], lost: true))
            .SetErrorHandler((_, error) => LogKafkaError(logger, "consumer", error.Code, error.Reason))
            .SetLogHandler((_, message) => LogLibrdkafka(logger, LevelOf(message.Level), message.Name, message.Message))
            .Build();
    }

    /// <inheritdoc />
    public IProducer<byte[], byte[]> CreateProducer()
    {
        var config = new ProducerConfig(KafkaClientProperties.Process.ToDictionary())
        {
            BootstrapServers = _options.BootstrapServers,
            TransactionalId = _options.TransactionalId,
            ClientId = $"fraudstream-scorer-{_options.TransactionalId}",
            EnableIdempotence = true,
            TransactionTimeoutMs = (int)_options.TransactionTimeout.TotalMilliseconds,
            // A batch's alerts are flushed by its commit anyway; waiting for more only delays the commit.
            LingerMs = 0,
            // librdkafka waits retry.backoff.ms (100 ms by default) after a coordinator's CONCURRENT_TRANSACTIONS,
            // which follows a commit often; with small batches that wait dominated (see docs/PERFORMANCE.md).
            RetryBackoffMs = 20,
            // A batch produces at most a score, an alert or a dead letter per record, all before its commit.
            QueueBufferingMaxMessages = Math.Max(100_000, 3 * _options.BatchSize),
        };
        foreach (var (name, value) in _options.Producer)
        {
            config.Set(name, value);
        }

        // Confluent.Kafka's background poll thread competes with CommitTransaction's flush for delivery reports; when
        // it wins, the flush sleeps out a 10 ms slice. The engine polls between batches instead.
        config.Set("dotnet.producer.enable.background.poll", "false");
        // Delivery reports stay on although nothing reads them (a failed record fails the commit): turned off
        // (dotnet.producer.enable.delivery.reports=false) the commit took longer, not shorter: alerts visible p50 7–9 →
        // 24–26 ms, throughput −7 to −39% (docs/PERFORMANCE.md, "Delivery reports off: tried, measured, not taken").
        return new ProducerBuilder<byte[], byte[]>(config)
            .SetErrorHandler((_, error) => LogKafkaError(logger, "producer", error.Code, error.Reason))
            .SetLogHandler((_, message) => LogLibrdkafka(logger, LevelOf(message.Level), message.Name, message.Message))
            .Build();
    }

    private static LogLevel LevelOf(SyslogLevel level) => level switch
    {
        <= SyslogLevel.Error => LogLevel.Error,
        SyslogLevel.Warning => LogLevel.Warning,
        SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
        _ => LogLevel.Debug,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka {Client} error {Code}: {Reason}")]
    private static partial void LogKafkaError(ILogger logger, string client, ErrorCode code, string reason);

    [LoggerMessage(Message = "librdkafka {Name}: {Message}")]
    private static partial void LogLibrdkafka(ILogger logger, LogLevel level, string name, string message);
}
