using System.Diagnostics;
using Confluent.Kafka;
using FraudStream.DevBroker;

namespace FraudStream.Bench;

/// <summary>
/// Development broker throughput: 100-byte records produced to a topic (one partition, then
/// eight), then read back from the beginning with read_committed. Each configuration runs
/// <c>rounds</c> times on a fresh topic and reports the median, because these machines are
/// shared and noisy. The broker and the clients share this process and its 2 cores, as in
/// the embedded demo.
/// </summary>
internal static class BrokerThroughput
{
    private const int RecordBytes = 100;

    public static int Run(int records, int rounds)
    {
        var options = new DevelopmentBrokerOptions();
        options.Topics.Clear();
        using var broker = DevelopmentBroker.Start(options);
        // What a README table of these numbers must say beside them: the command, the date and the machine's load.
        Console.WriteLine($"command: dotnet run -c Release --project bench/FraudStream.Bench -- broker {records} {rounds}");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start, "
                          + $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine($"development broker {broker.BootstrapServers}, librdkafka {DevelopmentBroker.LibrdkafkaVersion}, " +
                          $"{records:N0} records of {RecordBytes} bytes, median of {rounds} rounds");
        Console.WriteLine();
        Console.WriteLine("| partitions | produce records/s | produce MB/s | consume records/s | consume MB/s |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");

        var round = 0;
        foreach (var partitions in new[] { 1, 8 })
        {
            var produce = new List<double>();
            var consume = new List<double>();
            for (var r = 0; r < rounds; r++)
            {
                var topic = $"bench-{partitions}p-{round++}";
                broker.CreateTopic(topic, partitions);
                produce.Add(Produce(broker.BootstrapServers, topic, records));
                consume.Add(Consume(broker.BootstrapServers, topic, partitions, records));
            }

            var p = Median(produce);
            var c = Median(consume);
            Console.WriteLine($"| {partitions} | {p:N0} | {p * RecordBytes / 1e6:N1} | {c:N0} | {c * RecordBytes / 1e6:N1} |");
        }

        return 0;
    }

    /// <returns>Records per second, from the first send to the last acknowledgement.</returns>
    private static double Produce(string bootstrap, string topic, int records)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrap,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            BatchSize = 1_000_000,
        };
        using var producer = new ProducerBuilder<Null, byte[]>(config).Build();
        var value = new byte[RecordBytes];
        var failed = 0;
        Action<DeliveryReport<Null, byte[]>> onDelivery = report =>
        {
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref failed);
            }
        };

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < records; i++)
        {
            while (true)
            {
                try
                {
                    producer.Produce(topic, new Message<Null, byte[]> { Value = value }, onDelivery);
                    break;
                }
                catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(10));
                }
            }
        }

        if (producer.Flush(TimeSpan.FromMinutes(2)) != 0 || failed != 0)
        {
            throw new InvalidOperationException($"{failed} records failed or were still in flight on {topic}.");
        }

        return records / clock.Elapsed.TotalSeconds;
    }

    /// <returns>Records per second, from assignment to the last record.</returns>
    private static double Consume(string bootstrap, string topic, int partitions, int records)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = $"{topic}-reader",
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
            // librdkafka pauses fetching for fetch.queue.backoff.ms (1 s) whenever its local
            // queue is full; a fast reader then drains the queue and waits. Measured here:
            // ~110k records/s at the default, ~290k/s at 10 ms.
            FetchQueueBackoffMs = 10,
        };
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var clock = Stopwatch.StartNew();
        var read = 0;
        while (read < records)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(30)) is null)
            {
                throw new InvalidOperationException($"Read only {read:N0} of {records:N0} records from {topic}.");
            }

            read++;
        }

        var rate = records / clock.Elapsed.TotalSeconds;
        consumer.Close();
        return rate;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
