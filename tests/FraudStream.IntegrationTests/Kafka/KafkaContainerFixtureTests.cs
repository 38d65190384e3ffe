using System.Text.RegularExpressions;

namespace FraudStream.IntegrationTests.Kafka;

/// <summary>
/// The Testcontainers choice of cluster, as far as a machine without a Docker engine can check it: which variable picks
/// what, that the container is compose's Kafka with the settings transactions need, and that without Docker it says so in
/// one sentence instead of running the suite against nothing.
/// </summary>
[TestFixture]
public sealed class KafkaContainerFixtureTests
{
    [TestCase("kafka-1:9092", null, TestCluster.External)]
    [TestCase("kafka-1:9092", "testcontainers", TestCluster.External)]
    [TestCase(null, "testcontainers", TestCluster.Container)]
    [TestCase("", " TestContainers ", TestCluster.Container)]
    [TestCase(null, null, TestCluster.DevelopmentBroker)]
    [TestCase(null, "development-broker", TestCluster.DevelopmentBroker)]
    public void The_variables_choose_the_cluster(string? bootstrap, string? choice, TestCluster expected) =>
        Assert.That(KafkaContainerFixture.Choose(bootstrap, choice), Is.EqualTo(expected));

    [Test]
    public void An_unknown_choice_is_refused_naming_the_choices()
    {
        var error = Assert.Throws<ArgumentException>(() => KafkaContainerFixture.Choose(null, "docker"));

        Assert.That(error!.Message, Does.Contain("FRAUDSTREAM_TEST_KAFKA='docker' names no cluster").And.Contain("'testcontainers'").And.Contain("FRAUDSTREAM_KAFKA_BOOTSTRAP"));
    }

    [Test]
    public void The_container_is_composes_Kafka_with_the_settings_transactions_need_on_one_node()
    {
        var compose = File.ReadAllText(Path.Combine(RepositoryRoot(), "compose.yaml"));
        var kafka = compose[compose.IndexOf("\n  kafka:\n", StringComparison.Ordinal)..compose.IndexOf("\n  kafka-init:\n", StringComparison.Ordinal)];

        Assert.Multiple(() =>
        {
            Assert.That(kafka, Does.Contain($"image: {KafkaContainerFixture.DefaultImage}\n"), "the same image as compose's kafka");
            Assert.That(KafkaContainerFixture.BrokerSettings["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"], Is.EqualTo("1"));
            Assert.That(KafkaContainerFixture.BrokerSettings["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"], Is.EqualTo("1"));
            foreach (var (name, value) in KafkaContainerFixture.BrokerSettings)
            {
                Assert.That(Setting(kafka, name), Is.EqualTo(value), $"{name} as compose sets it");
            }
        });
    }

    [Test]
    public void Without_a_Docker_engine_the_container_choice_fails_in_one_sentence()
    {
        if (Environment.GetEnvironmentVariable("DOCKER_HOST") is not null || File.Exists("/var/run/docker.sock"))
        {
            Assert.Ignore("A Docker engine may be reachable here: this checks the failure without one.");
        }

        var error = Assert.ThrowsAsync<InvalidOperationException>(() => KafkaContainerFixture.StartAsync(null));

        Assert.That(error!.Message, Does.StartWith("FRAUDSTREAM_TEST_KAFKA=testcontainers needs a Docker engine Testcontainers can reach"));
        Assert.That(error.Message.TrimEnd('.').Split(". ").Length, Is.EqualTo(1), "one sentence");
    }

    private static string? Setting(string service, string name) =>
        Regex.Match(service, $@"^\s+{name}:\s*""?(?<value>[^""\s]+)""?\s*$", RegexOptions.Multiline) is { Success: true } m ? m.Groups["value"].Value : null;

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "FraudStream.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("FraudStream.sln not found above the test directory.");
    }
}
