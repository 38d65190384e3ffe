using Confluent.Kafka;

namespace FraudStream.Streaming.Tests;

/// <summary>The process-wide Kafka client properties file (FRAUDSTREAM_KAFKA_CONFIG): what it may hold and how a bad one is refused.</summary>
public sealed class KafkaClientPropertiesTests
{
    private string _file = "";

    [SetUp]
    public void CreateFile() => _file = Path.GetTempFileName();

    [TearDown]
    public void DeleteFile() => File.Delete(_file);

    [Test]
    public void Settings_are_read_past_comments_and_blank_lines_and_a_value_may_hold_equals_signs()
    {
        // Arrange
        File.WriteAllLines(_file, [
            "# TLS and SASL for the cluster", "", "security.protocol = SASL_SSL", "! also a comment", "sasl.mechanism=PLAIN",
            "sasl.username=fraudstream", "sasl.password=a=b==", "socket.keepalive.enable=true",
        ]);

        // Act
        var properties = KafkaClientProperties.Load(_file);
        var consumer = new ConsumerConfig(properties.ToDictionary()) { GroupId = "scorers", SocketKeepaliveEnable = false };

        // Assert
        using (Assert.EnterMultipleScope())
        {
            Assert.That(properties.Settings, Is.EqualTo(new Dictionary<string, string>
            {
                ["security.protocol"] = "SASL_SSL", ["sasl.mechanism"] = "PLAIN", ["sasl.username"] = "fraudstream",
                ["sasl.password"] = "a=b==", ["socket.keepalive.enable"] = "true",
            }));
            Assert.That(properties.Source, Is.EqualTo($"{KafkaClientProperties.Variable}={_file}"));
            Assert.That(consumer.Get("security.protocol"), Is.EqualTo("SASL_SSL"), "a client starts from the file's settings");
            Assert.That(consumer.SocketKeepaliveEnable, Is.False, "and its own settings win");
        }
    }

    [TestCase("security.protocol", "line 2: 'security.protocol' is not name=value")]
    [TestCase("group.id=scorers", "line 2: 'group.id' is set by FraudStream for each client")]
    [TestCase("bootstrap.servers=kafka:9092", "line 2: 'bootstrap.servers' is set by FraudStream for each client")]
    [TestCase("transactional.id=t", "line 2: 'transactional.id' is set by FraudStream")]
    [TestCase("securty.protocol=SSL", "librdkafka refuses these settings: ", "securty.protocol")]
    [TestCase("security.protocol=bogus", "librdkafka refuses these settings: ", "bogus")]
    public void A_line_that_cannot_work_is_refused_in_one_sentence_naming_the_file(string line, string says, string? names = null)
    {
        // Arrange
        File.WriteAllLines(_file, ["# first line", line]);

        // Act
        var refusal = Assert.Throws<KafkaClientPropertiesException>(() => KafkaClientProperties.Load(_file));

        // Assert
        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Message, Does.StartWith($"{KafkaClientProperties.Variable}={_file}"));
            Assert.That(refusal!.Message, Does.Contain(says));
            Assert.That(refusal!.Message, Does.Contain(names ?? ""));
            Assert.That(refusal!.Message.TrimEnd('.'), Does.Not.Contain("\n"), "one sentence");
        }
    }

    [Test]
    public void A_file_that_cannot_be_read_is_refused_naming_it()
    {
        var missing = _file + ".missing";

        var refusal = Assert.Throws<KafkaClientPropertiesException>(() => KafkaClientProperties.Load(missing));

        Assert.That(refusal!.Message, Does.StartWith($"{KafkaClientProperties.Variable}={missing}: cannot read the Kafka client properties file"));
    }
}
