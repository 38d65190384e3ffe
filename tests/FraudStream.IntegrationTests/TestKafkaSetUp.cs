using FraudStream.IntegrationTests.Kafka;

// In the root namespace: NUnit runs a SetUpFixture for the tests of its namespace and those below it.
namespace FraudStream.IntegrationTests;

/// <summary>Starts and stops <see cref="TestKafka"/> once for the whole assembly.</summary>
[SetUpFixture]
public sealed class TestKafkaSetUp
{
    [OneTimeSetUp]
    public void StartCluster() => TestKafka.Start();

    [OneTimeTearDown]
    public void StopCluster() => TestKafka.Stop();
}
