using Confluent.Kafka;
using FraudStream.DevBroker;

namespace FraudStream.IntegrationTests.Kafka;

/// <summary>
/// The clients load Confluent's official librdkafka and the development broker its own patched build; in this test
/// process both are loaded at once and each keeps its own code (the broker's library is linked -Bsymbolic).
/// </summary>
[TestFixture]
public sealed class NativeLibraryTests
{
    [Test]
    public async Task Clients_run_the_official_librdkafka_beside_the_development_brokers_own_build_in_one_process()
    {
        // Arrange
        _ = TestKafka.RequireDevelopmentBroker("a second librdkafka into this process");
        var topic = await TestKafka.CreateTopicAsync("two-librdkafkas", partitions: 1);

        // Act: a transaction through the official client, served by the patched mock cluster.
        using (var producer = TestKafka.TransactionalProducer(TestKafka.UniqueName("txn")))
        {
            producer.InitTransactions(TimeSpan.FromSeconds(30));
            producer.BeginTransaction();
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "v" });
            producer.CommitTransaction();
        }

        var values = TestKafka.ReadAllValues(topic, 1, IsolationLevel.ReadCommitted);
        var libraries = MappedFiles.Of(Environment.ProcessId);

        // Assert
        using (Assert.EnterMultipleScope())
        {
            Assert.That(values, Is.EqualTo(new[] { "v" }));
            Assert.That(MappedFiles.MapsOfficialClient(Environment.ProcessId), Is.True, string.Join('\n', libraries));
            Assert.That(libraries.Select(Path.GetFileName), Does.Contain(MappedFiles.DevelopmentBroker), string.Join('\n', libraries));
            Assert.That(Library.VersionString, Is.EqualTo("2.15.1"), "the client: Confluent's librdkafka.redist");
            Assert.That(DevelopmentBroker.LibrdkafkaVersion, Is.EqualTo("2.15.1"), "the broker: FraudStream's patched build");
        }
    }
}
