using System.Text.RegularExpressions;
using Confluent.Kafka;

namespace FraudStream.Cli.Tests;

/// <summary>`fraudstream broker` run as a user or a script runs it: the real executable, stopped with SIGTERM.</summary>
[TestFixture]
public sealed partial class BrokerVerbTests
{
    private static readonly TimeSpan s_startup = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_shutdown = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_kafka = TimeSpan.FromSeconds(30);

    private FraudstreamProcess? _fraudstream;
    private DirectoryInfo _scratch = null!;

    private FraudstreamProcess Fraudstream =>
        _fraudstream ?? throw new InvalidOperationException("The test has not started fraudstream.");

    [SetUp]
    public void CreateScratchDirectory() =>
        _scratch = Directory.CreateTempSubdirectory("fraudstream-cli-tests-");

    [TearDown]
    public void StopFraudstream()
    {
        _fraudstream?.Dispose();
        _fraudstream = null;
        _scratch.Delete(recursive: true);
    }

    [Test]
    public async Task Broker_publishes_its_bootstrap_servers_serves_clients_and_on_sigterm_exits_0_and_deletes_the_file()
    {
        var bootstrapFile = Path.Combine(_scratch.FullName, "bootstrap");
        var bootstrap = await StartBrokerAsync("--brokers", "1", "--topic", "e2e:2", "--bootstrap-file", bootstrapFile);
        var fileContents = await File.ReadAllTextAsync(bootstrapFile);
        var stdout = Fraudstream.StandardOutput.ToList();
        var brokerLibraries = MappedFiles.Of(Fraudstream.Id);

        var value = $"e2e-{Guid.NewGuid():N}";
        var delivered = await ProduceOneAsync(bootstrap, "e2e", value);
        var readBack = ConsumeOne(bootstrap, delivered.TopicPartitionOffset);

        Fraudstream.SendSigterm();
        var exitCode = await Fraudstream.WaitForExitAsync(s_shutdown);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(brokerLibraries.Select(Path.GetFileName), Does.Contain(MappedFiles.DevelopmentBroker), "the broker runs in its own patched librdkafka");
            Assert.That(stdout[stdout.IndexOf(bootstrap) - 1], Is.EqualTo("Bootstrap servers:"), "the bare bootstrap line follows its heading");
            Assert.That(fileContents, Is.EqualTo(bootstrap + "\n"), "the bootstrap file holds what stdout printed");
            Assert.That(delivered.Status, Is.EqualTo(PersistenceStatus.Persisted));
            Assert.That(readBack.Message.Value, Is.EqualTo(value), "a read_committed consumer reads back the record");
            Assert.That(exitCode, Is.Zero, Fraudstream.Transcript);
            Assert.That(File.Exists(bootstrapFile), Is.False, "the broker deletes its bootstrap file when it stops");
            Assert.That(Fraudstream.StandardOutput, Does.Contain("Development broker stopped."));
        }
    }

    [Test]
    public async Task Broker_creates_the_labels_topic_and_a_changelog_partitioned_as_the_input()
    {
        var bootstrap = await StartBrokerAsync("--brokers", "1", "--topic", "transactions:3");

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        var topics = admin.GetMetadata(s_kafka).Topics.ToDictionary(t => t.Topic, t => t.Partitions.Count);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(topics, Does.ContainKey("fraud_labels"));
            Assert.That(topics.GetValueOrDefault("transactions"), Is.EqualTo(3));
            Assert.That(topics.GetValueOrDefault("fraudstream-card-history-changelog"), Is.EqualTo(3), "as many partitions as transactions");
        }
    }

    [TestCase("--brokers", "0", "--brokers", "'0'")]
    [TestCase("--brokers", "65", "--brokers", "'65'")]
    [TestCase("--topic", "foo:0", "--topic", "'foo:0'")]
    [TestCase("--topic", "bad/name:3", "--topic", "'bad/name'")]
    [TestCase("--retention-bytes", "0", "--retention-bytes", "'0'")]
    public async Task Broker_with_a_bad_option_exits_2_with_one_sentence_naming_it_and_starts_nothing(
        string option, string value, string namesWhat, string quotesValue)
    {
        _fraudstream = FraudstreamProcess.Start("broker", option, value);

        var exitCode = await Fraudstream.WaitForExitAsync(s_startup);

        var stderr = Fraudstream.StandardError.Where(line => line.Length > 0).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.EqualTo(2), Fraudstream.Transcript);
            Assert.That(stderr, Has.Count.EqualTo(1), "one line on stderr, no stack trace:\n" + Fraudstream.Transcript);
            Assert.That(stderr.FirstOrDefault(), Does.Contain(namesWhat).And.Contain(quotesValue), "the message names the problem");
            Assert.That(Fraudstream.StandardOutput, Has.None.Contains("Bootstrap servers"), "no broker was started");
        }
    }

    [Test]
    public async Task Broker_logs_when_a_partition_reaches_its_retention_cap_and_drops_the_oldest_records()
    {
        var bootstrap = await StartBrokerAsync("--brokers", "1", "--topic", "small:1", "--retention-bytes", "200000");

        ProduceAbout2MegabytesIdempotently(bootstrap, "small");
        var warning = await Fraudstream.WaitForStderrLineAsync(
            line => line.Contains("reached its retention cap", StringComparison.Ordinal), "the retention cap warning", s_kafka);
        var oldest = ConsumeOne(bootstrap, new TopicPartitionOffset("small", 0, Offset.Beginning));

        Fraudstream.SendSigterm();
        var exitCode = await Fraudstream.WaitForExitAsync(s_shutdown);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(warning, Does.Contain("small [0]"), "the warning names the partition");
            Assert.That(oldest.Offset.Value, Is.GreaterThan(0), "the oldest records were deleted");
            Assert.That(exitCode, Is.Zero, Fraudstream.Transcript);
        }
    }

    /// <summary>Starts `fraudstream broker` and returns the bootstrap servers it prints alone on a line for scripts.</summary>
    private async Task<string> StartBrokerAsync(params string[] options)
    {
        _fraudstream = FraudstreamProcess.Start(["broker", .. options]);
        return await _fraudstream.WaitForStdoutLineAsync(
            line => BootstrapList().IsMatch(line), "the bootstrap servers alone on a line", s_startup);
    }

    private static async Task<DeliveryResult<string, string>> ProduceOneAsync(string bootstrap, string topic, string value)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            EnableIdempotence = true,
            MessageTimeoutMs = (int)s_kafka.TotalMilliseconds,
        }).Build();
        return await producer.ProduceAsync(topic, new Message<string, string> { Key = "card-1", Value = value });
    }

    /// <summary>2,000 records of 1 kB in batches of at most 16 kB, so the partition holds many message sets to drop.</summary>
    private static void ProduceAbout2MegabytesIdempotently(string bootstrap, string topic)
    {
        var failedDeliveries = 0;
        var padding = new string('x', 1_000);
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            EnableIdempotence = true,
            BatchSize = 16 * 1024,
            LingerMs = 5,
            MessageTimeoutMs = (int)s_kafka.TotalMilliseconds,
        }).Build();
        for (var i = 0; i < 2_000; i++)
        {
            producer.Produce(topic, new Message<string, string> { Key = "card-1", Value = $"{i:D6}{padding}" },
                report => { if (report.Error.IsError) { Interlocked.Increment(ref failedDeliveries); } });
        }

        Assert.That(producer.Flush(s_kafka), Is.Zero, "records still in flight after flush");
        Assert.That(failedDeliveries, Is.Zero, "some records were not acknowledged");
    }

    /// <summary>The first record at or after <paramref name="from"/>, read with read_committed.</summary>
    private static ConsumeResult<string, string> ConsumeOne(string bootstrap, TopicPartitionOffset from)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = $"fraudstream-cli-tests-{Guid.NewGuid():N}",
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(from);
        using var deadline = new CancellationTokenSource(s_kafka);
        try
        {
            var result = consumer.Consume(deadline.Token);
            consumer.Close();
            return result;
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"No record at or after {from} within {s_kafka}.");
            throw;
        }
    }

    // host:port[,host:port...] and nothing else, as BrokerVerb prints it after "Bootstrap servers:".
    [GeneratedRegex(@"^[^\s,]+:\d+(,[^\s,]+:\d+)*$")]
    private static partial Regex BootstrapList();
}
