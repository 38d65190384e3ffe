using FraudStream.IntegrationTests.Kafka;
using FraudStream.IntegrationTests.Scoring;

// In the root namespace: NUnit runs a SetUpFixture for the tests of its namespace and those below it.
namespace FraudStream.IntegrationTests;

/// <summary>Starts and stops <see cref="TestKafka"/> once for the whole assembly, and removes the test registries.</summary>
[SetUpFixture]
public sealed class TestKafkaSetUp
{
    [OneTimeSetUp]
    public void StartCluster() => TestKafka.Start();

    [OneTimeTearDown]
    public void StopCluster()
    {
        TestKafka.Stop();
        TestModels.DeleteAll();
    }
}
