using Testcontainers.Kafka;

namespace FraudStream.IntegrationTests.Kafka;

/// <summary>Which cluster the integration tests run against.</summary>
public enum TestCluster
{
    /// <summary>The development broker, in this process (the default).</summary>
    DevelopmentBroker,

    /// <summary>An external cluster named by <c>FRAUDSTREAM_KAFKA_BOOTSTRAP</c>.</summary>
    External,

    /// <summary>A Kafka container started through Testcontainers (needs a Docker engine).</summary>
    Container,
}

/// <summary>
/// The tests' third choice of cluster: a throwaway Apache Kafka container (Testcontainers.Kafka), started when
/// <c>FRAUDSTREAM_TEST_KAFKA=testcontainers</c> and a Docker engine is reachable. Our build machines have no Docker
/// engine, so it never runs there; its choice and its broker settings are tested instead.
/// </summary>
public static class KafkaContainerFixture
{
    /// <summary>The variable that picks the container (value <see cref="ContainerChoice"/>).</summary>
    public const string ChoiceVariable = "FRAUDSTREAM_TEST_KAFKA";

    /// <summary>The value of <see cref="ChoiceVariable"/> that starts a container.</summary>
    public const string ContainerChoice = "testcontainers";

    /// <summary>The value of <see cref="ChoiceVariable"/> that keeps the development broker (as unset does).</summary>
    public const string DevelopmentBrokerChoice = "development-broker";

    /// <summary>A variable that names another image (e.g. a newer Apache Kafka); the default is compose's.</summary>
    public const string ImageVariable = "FRAUDSTREAM_TEST_KAFKA_IMAGE";

    /// <summary>The image compose.yaml runs, so the container is the cluster a user starts with <c>docker compose up kafka</c>.</summary>
    public const string DefaultImage = "apache/kafka:3.9.1";

    /// <summary>
    /// Broker settings a single node needs for what the tests do: internal topics (offsets, transaction state) with one
    /// replica, transactions committable with one in-sync replica, no delay before a group's first rebalance.
    /// </summary>
    public static IReadOnlyDictionary<string, string> BrokerSettings { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] = "1",
        ["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] = "1",
        ["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] = "1",
        ["KAFKA_MIN_INSYNC_REPLICAS"] = "1",
        ["KAFKA_DEFAULT_REPLICATION_FACTOR"] = "1",
        ["KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS"] = "0",
    };

    /// <summary>
    /// The cluster the two variables choose: <c>FRAUDSTREAM_KAFKA_BOOTSTRAP</c> (an external cluster) wins; then
    /// <see cref="ChoiceVariable"/>; unset, the development broker.
    /// </summary>
    /// <exception cref="ArgumentException">The choice names nothing this fixture knows.</exception>
    public static TestCluster Choose(string? bootstrap, string? choice)
    {
        if (!string.IsNullOrWhiteSpace(bootstrap))
        {
            return TestCluster.External;
        }

        return choice?.Trim().ToLowerInvariant() switch
        {
            null or "" or DevelopmentBrokerChoice => TestCluster.DevelopmentBroker,
            ContainerChoice => TestCluster.Container,
            _ => throw new ArgumentException(
                $"{ChoiceVariable}='{choice}' names no cluster: use '{ContainerChoice}' (a Kafka container, needs Docker) or "
                + $"'{DevelopmentBrokerChoice}' (the default), or set {TestKafka.BootstrapVariable} for an external cluster."),
        };
    }

    /// <summary>The container's builder: <paramref name="image"/> (default <see cref="DefaultImage"/>), KRaft, <see cref="BrokerSettings"/>.</summary>
    public static KafkaBuilder Builder(string? image = null) =>
        BrokerSettings.Aggregate(new KafkaBuilder(string.IsNullOrWhiteSpace(image) ? DefaultImage : image), (builder, setting) => builder.WithEnvironment(setting.Key, setting.Value));

    /// <summary>Starts a container and returns it with its bootstrap address.</summary>
    /// <exception cref="InvalidOperationException">No Docker engine answered, or the container did not start; one sentence says so.</exception>
    public static async Task<(KafkaContainer Container, string Bootstrap)> StartAsync(string? image)
    {
        KafkaContainer? container = null;
        try
        {
            container = Builder(image).Build();
            await container.StartAsync();
            return (container, container.GetBootstrapAddress());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (container is not null)
            {
                await container.DisposeAsync();
            }

            throw new InvalidOperationException(
                $"{ChoiceVariable}={ContainerChoice} needs a Docker engine Testcontainers can reach (DOCKER_HOST or /var/run/docker.sock), "
                + $"and none started a Kafka container here ({e.GetType().Name}: {FirstSentence(e.Message)}).", e);
        }
    }

    private static string FirstSentence(string message)
    {
        var line = message.Split('\n')[0].Trim();
        var end = line.IndexOf(". ", StringComparison.Ordinal);
        return (end < 0 ? line : line[..end]).TrimEnd('.');
    }
}
