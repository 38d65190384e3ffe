using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraudStream.DevBroker;

/// <summary>
/// A development broker: librdkafka's mock cluster, a Kafka-protocol broker inside this process, listening on loopback.
/// For local runs and tests only, never for production: it keeps everything in memory and loses it all on dispose.
/// </summary>
/// <remarks>
/// The mock runs inside libfraudstream-devbroker.so: librdkafka with FraudStream's patch (deploy/librdkafka), which
/// makes the mock honour read_committed and lets retention be raised. The product's clients never load that library.
/// </remarks>
public sealed partial class DevelopmentBroker : IDisposable, IAsyncDisposable
{
    private readonly KafkaHandle _kafka;
    private readonly MockClusterHandle _cluster;

    private readonly int _replicationFactor;

    private DevelopmentBroker(KafkaHandle kafka, MockClusterHandle cluster, int replicationFactor, string bootstrapServers)
    {
        _kafka = kafka;
        _cluster = cluster;
        _replicationFactor = replicationFactor;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>Comma-separated host:port list for a client's bootstrap.servers.</summary>
    public string BootstrapServers { get; }

    /// <summary>Version of the broker's librdkafka (libfraudstream-devbroker.so), e.g. "2.15.1".</summary>
    public static string LibrdkafkaVersion => LibrdkafkaMock.Version();

    /// <summary>Starts a development broker with the given brokers and topics.</summary>
    /// <exception cref="ArgumentException">An option cannot work (the message says which).</exception>
    /// <exception cref="DevelopmentBrokerException">librdkafka refused to start the cluster or create a topic.</exception>
    public static DevelopmentBroker Start(DevelopmentBrokerOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        logger ??= NullLogger.Instance;

        using var conf = LibrdkafkaMock.ConfNew();
        SetConf(conf, "client.id", "fraudstream-development-broker");

        // This client only hosts the cluster and never connects, so its notice about bootstrap.servers is noise.
        SetConf(conf, "log_level", "4");
        var kafka = NewProducer(conf);
        try
        {
            var cluster = LibrdkafkaMock.MockClusterNew(kafka, options.BrokerCount);
            if (cluster.IsInvalid)
            {
                cluster.Dispose();
                throw new DevelopmentBrokerException(
                    $"librdkafka could not start a mock cluster of {options.BrokerCount} broker(s) on loopback; its log above says why.");
            }

            cluster.AttachOwner(kafka);
            try
            {
                LibrdkafkaMock.MockPartitionRetentionSet(
                    cluster, options.RetentionBytesPerPartition, options.RetentionMessageSetsPerPartition);
                LibrdkafkaMock.MockGroupInitialRebalanceDelayMs(cluster, (int)options.GroupInitialRebalanceDelay.TotalMilliseconds);
                var replicationFactor = ReplicationFactorFor(options.BrokerCount);
                foreach (var (topic, partitions) in options.Topics)
                {
                    CreateTopic(cluster, topic, partitions, replicationFactor);
                }

                var bootstrap = LibrdkafkaMock.Bootstraps(cluster);
                if (string.IsNullOrEmpty(bootstrap))
                {
                    throw new DevelopmentBrokerException("librdkafka started the mock cluster but reported no bootstrap servers.");
                }

                LogStarted(logger, bootstrap, options.BrokerCount, LibrdkafkaVersion);
                return new DevelopmentBroker(kafka, cluster, replicationFactor, bootstrap);
            }
            catch
            {
                cluster.Dispose();
                throw;
            }
        }
        catch
        {
            kafka.Dispose();
            throw;
        }
    }

    /// <summary>Creates a topic on the running brokers, replicated like the ones created at start.</summary>
    /// <exception cref="ArgumentException">The name is not a legal Kafka topic name or <paramref name="partitions"/> is below 1.</exception>
    /// <exception cref="DevelopmentBrokerException">librdkafka refused, e.g. the topic already exists.</exception>
    /// <exception cref="ObjectDisposedException">The broker has been stopped.</exception>
    public void CreateTopic(string name, int partitions)
    {
        ArgumentNullException.ThrowIfNull(name);
        DevelopmentBrokerOptions.ValidateTopic(name, partitions);
        CreateTopic(_cluster, name, partitions, _replicationFactor);
    }

    /// <summary>Stops the brokers; every record they held is gone.</summary>
    public void Dispose()
    {
        // The cluster holds a reference on the rd_kafka_t, so librdkafka sees the cluster destroyed first.
        _cluster.Dispose();
        _kafka.Dispose();
    }

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    // Three replicas like a production cluster when there are enough brokers, so ISR and leader moves are exercised.
    private static int ReplicationFactorFor(int brokerCount) => Math.Min(3, brokerCount);

    private static unsafe void SetConf(ConfHandle conf, string name, string value)
    {
        var errorText = stackalloc byte[LibrdkafkaMock.ErrorTextCapacity];
        var result = LibrdkafkaMock.ConfSet(conf, name, value, errorText, LibrdkafkaMock.ErrorTextCapacity);
        if (result != LibrdkafkaMock.ConfOk)
        {
            throw new DevelopmentBrokerException(
                $"librdkafka rejected {name}={value}: {LibrdkafkaMock.ErrorText(errorText)}", result);
        }
    }

    private static unsafe KafkaHandle NewProducer(ConfHandle conf)
    {
        var errorText = stackalloc byte[LibrdkafkaMock.ErrorTextCapacity];
        var kafka = LibrdkafkaMock.KafkaNew(LibrdkafkaMock.ProducerType, conf, errorText, LibrdkafkaMock.ErrorTextCapacity);
        if (kafka.IsInvalid)
        {
            kafka.Dispose();
            throw new DevelopmentBrokerException(
                $"librdkafka could not create the client that hosts the mock cluster: {LibrdkafkaMock.ErrorText(errorText)}");
        }

        conf.TransferOwnership();
        return kafka;
    }

    private static void CreateTopic(MockClusterHandle cluster, string topic, int partitions, int replicationFactor)
    {
        var error = LibrdkafkaMock.MockTopicCreate(cluster, topic, partitions, replicationFactor);
        if (error != LibrdkafkaMock.NoError)
        {
            throw new DevelopmentBrokerException(
                $"librdkafka could not create topic '{topic}' with {partitions} partition(s) and replication factor {replicationFactor}: {LibrdkafkaMock.Describe(error)}",
                error);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message =
        "Development broker started: {BootstrapServers} ({BrokerCount} broker(s), librdkafka {Version})")]
    private static partial void LogStarted(ILogger logger, string bootstrapServers, int brokerCount, string version);
}
