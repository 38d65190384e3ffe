using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using FraudStream.Bench.Scorer;
using FraudStream.Core.Features.History;
using FraudStream.Core.Transactions;
using FraudStream.Streaming.ExactlyOnce;
using FraudStream.Streaming.History;
using FraudStream.Streaming.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraudStream.Bench.History;

/// <summary>
/// `restore [cards] [transactions per card]`: how long the scorer takes to restore one partition's card history from its
/// changelog (the wait before a newly assigned partition's first record is scored), with the product's own restorer,
/// and what the history costs: changelog bytes per card and memory per card once restored.
/// </summary>
internal static class RestoreBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var cards = 1_000_000;
        var perCard = 20;
        if (args.Length > 2
            || (args.Length > 0 && !(int.TryParse(args[0], CultureInfo.InvariantCulture, out cards) && cards is >= 1 and <= 10_000_000))
            || (args.Length > 1 && !(int.TryParse(args[1], CultureInfo.InvariantCulture, out perCard) && perCard is >= 1 and <= 2_000)))
        {
            await Console.Error.WriteLineAsync("Usage: restore [cards, 1-10000000, default 1000000] [transactions per card, 1-2000, default 20]");
            return 2;
        }

        using var cluster = BenchCluster.Start();
        Console.WriteLine($"cluster: {cluster.Description}");
        var topic = $"fsbench-restore-{Guid.NewGuid():N}";
        await cluster.CreateTopicAsync(topic, 1);

        var clock = Stopwatch.StartNew();
        var bytes = Produce(cluster.BootstrapServers, topic, cards, perCard);
        Console.WriteLine($"changelog: {cards:N0} cards × {perCard} transactions, {bytes / 1048576.0:N1} MiB ({bytes / (double)cards:N0} bytes a card), produced in {clock.Elapsed.TotalSeconds:N1} s");

        var options = new ScorerOptions { BootstrapServers = cluster.BootstrapServers, TransactionalId = "restore-bench", ChangelogTopic = topic };
        using var metrics = new ScorerMetrics();
        using var restorer = new ChangelogRestorer(options, HistorySettings.Default, metrics, TimeProvider.System, NullLogger.Instance);
        var before = Memory();
        clock.Restart();
        var store = restorer.Restore(0, CancellationToken.None);
        var seconds = clock.Elapsed.TotalSeconds;
        var held = Memory() - before;
        Console.WriteLine();
        Console.WriteLine("| cards | transactions a card | changelog MiB | restore s | cards/s | memory a card (bytes, GC heap) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| {store.Count:N0} | {perCard} | {bytes / 1048576.0:N1} | {seconds:N1} | {store.Count / seconds:N0} | {held / (double)store.Count:N0} |");
        GC.KeepAlive(store);
        await cluster.DeleteCreatedTopicsAsync();
        return store.Count == cards ? 0 : 1;
    }

    /// <summary>One compacted value per card, each a history of <paramref name="perCard"/> transactions over the last 30 days.</summary>
    private static long Produce(string bootstrap, string topic, int cards, int perCard)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            LingerMs = 20,
            QueueBufferingMaxMessages = 500_000,
        }).Build();
        var random = new Random(1);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var buffer = new ArrayBufferWriter<byte>(1024);
        long bytes = 0;
        for (var c = 0; c < cards; c++)
        {
            var card = new CardHistory();
            for (var i = 0; i < perCard; i++)
            {
                var at = start + TimeSpan.FromDays(30.0 * i / perCard) + TimeSpan.FromSeconds(random.Next(3_600));
                card.Remember(new Transaction($"t{c}-{i}", $"card-{c}", at, Math.Round(random.NextDouble() * 200, 2), "EUR",
                    $"M{random.Next(1_000)}", "5411", Channel.Pos, true, $"T{random.Next(3_000)}",
                    MerchantLatitude: 52 + random.NextDouble(), MerchantLongitude: 4 + random.NextDouble()), HistorySettings.Default);
            }

            buffer.ResetWrittenCount();
            card.WriteTo(buffer);
            var message = new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes($"card-{c}"), Value = buffer.WrittenSpan.ToArray() };
            bytes += message.Key.Length + message.Value.Length;
            while (true)
            {
                try
                {
                    producer.Produce(topic, message);
                    break;
                }
                catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }
        }

        if (producer.Flush(TimeSpan.FromMinutes(5)) > 0)
        {
            throw new InvalidOperationException("The changelog was not all delivered within 5 minutes.");
        }

        return bytes;
    }

    private static long Memory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
