using Confluent.Kafka;
using Confluent.Kafka.Admin;
using FraudStream.DevBroker;

namespace FraudStream.Bench.Scorer;

/// <summary>
/// The cluster the scorer benchmark runs against, chosen like the integration tests':
/// <c>FRAUDSTREAM_KAFKA_BOOTSTRAP</c> set → that cluster; unset → a development broker in this (the orchestrator's)
/// process, never in the measured scorer process.
/// </summary>
internal sealed class BenchCluster : IDisposable
{
    public const string BootstrapVariable = "FRAUDSTREAM_KAFKA_BOOTSTRAP";

    private readonly DevelopmentBroker? _devBroker;
    private readonly IAdminClient? _admin;
    private readonly List<string> _created = [];

    private BenchCluster(string bootstrapServers, DevelopmentBroker? devBroker)
    {
        BootstrapServers = bootstrapServers;
        _devBroker = devBroker;
        if (devBroker is null)
        {
            _admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        }
    }

    public string BootstrapServers { get; }

    /// <summary>The external cluster's servers from <see cref="BootstrapVariable"/>, or null: a development broker is used.</summary>
    public static string? ExternalBootstrap =>
        Environment.GetEnvironmentVariable(BootstrapVariable) is { } servers && !string.IsNullOrWhiteSpace(servers) ? servers : null;

    /// <summary>True when the broker runs inside this process (its CPU is then part of this process's).</summary>
    public bool IsDevelopmentBroker => _devBroker is not null;

    /// <summary>One line saying which cluster this is.</summary>
    public string Description => _devBroker is not null
        ? $"development broker {BootstrapServers} (in the orchestrator process; its librdkafka {DevelopmentBroker.LibrdkafkaVersion}, clients' {Confluent.Kafka.Library.VersionString})"
        : $"external cluster {BootstrapServers} ({BootstrapVariable})";

    /// <summary>
    /// The external cluster named by <see cref="BootstrapVariable"/>, or a development broker whose every response is
    /// delayed by <paramref name="roundTrip"/> (zero: none), as a network between the clients and a cluster would.
    /// </summary>
    public static BenchCluster Start(TimeSpan roundTrip = default)
    {
        if (ExternalBootstrap is { } external)
        {
            return new BenchCluster(external, null);
        }

        var options = new DevelopmentBrokerOptions();
        options.Topics.Clear();
        var broker = DevelopmentBroker.Start(options);
        if (roundTrip > TimeSpan.Zero)
        {
            broker.SetBrokerRoundTripTime(-1, roundTrip);
        }

        return new BenchCluster(broker.BootstrapServers, broker);
    }

    public async Task CreateTopicAsync(string name, int partitions)
    {
        if (_devBroker is not null)
        {
            _devBroker.CreateTopic(name, partitions);
            return;
        }

        try
        {
            // Replication factor -1: the cluster's default, whatever its size.
            await _admin!.CreateTopicsAsync([new TopicSpecification { Name = name, NumPartitions = partitions, ReplicationFactor = -1 }]);
        }
        catch (KafkaException e)
        {
            throw new BenchmarkFailedException(
                $"Could not create the topic {name} on {BootstrapServers} ({e.Message}): the benchmark needs a cluster that lets it create topics.");
        }

        _created.Add(name);
    }

    /// <summary>Deletes the topics this run created on an external cluster (the development broker forgets everything anyway).</summary>
    public async Task DeleteCreatedTopicsAsync()
    {
        if (_admin is null || _created.Count == 0)
        {
            return;
        }

        try
        {
            await _admin.DeleteTopicsAsync(_created);
        }
        catch (KafkaException e)
        {
            await Console.Error.WriteLineAsync($"Could not delete the benchmark's topics ({e.Message}); they are named {_created[0]} and alike.");
        }

        _created.Clear();
    }

    public void Dispose()
    {
        _admin?.Dispose();
        _devBroker?.Dispose();
    }
}
