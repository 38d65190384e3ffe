using System.Diagnostics;
using System.Globalization;
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
/// and what the history costs: changelog bytes per card, memory per card once restored, and the time to score a
/// transaction of a random card; for the in-memory store and the RocksDB store, in the same run.
/// </summary>
internal static class RestoreBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var cards = 1_000_000;
        var perCard = 20;
        if (args.Length > 3
            || (args.Length > 0 && !(int.TryParse(args[0], CultureInfo.InvariantCulture, out cards) && cards is >= 1 and <= 10_000_000))
            || (args.Length > 1 && !(int.TryParse(args[1], CultureInfo.InvariantCulture, out perCard) && perCard is >= 1 and <= 2_000))
            || (args.Length > 2 && args[2] is not ("whole" or "daily" or "delta")))
        {
            await Console.Error.WriteLineAsync("Usage: restore [cards, 1-10000000, default 1000000] [transactions per card, 1-2000, default 20] [changelog: whole (default), daily or delta]");
            return 2;
        }

        var layout = args.Length > 2 ? Enum.Parse<ChangelogLayout>(args[2], ignoreCase: true) : ChangelogLayout.Whole;

        using var cluster = BenchCluster.Start();
        Console.WriteLine($"cluster: {cluster.Description}");
        var topic = $"fsbench-restore-{Guid.NewGuid():N}";
        await cluster.CreateTopicAsync(topic, 1);

        var clock = Stopwatch.StartNew();
        var (bytes, records) = Produce(cluster.BootstrapServers, topic, cards, perCard, layout);
        Console.WriteLine($"changelog ({layout.ToString().ToLowerInvariant()}): {cards:N0} cards × {perCard} transactions, {records:N0} records, {bytes / 1048576.0:N1} MiB ({bytes / (double)cards:N0} bytes a card), produced in {clock.Elapsed.TotalSeconds:N1} s");

        var options = new ScorerOptions { BootstrapServers = cluster.BootstrapServers, TransactionalId = "restore-bench", ChangelogTopic = topic };
        using var metrics = new ScorerMetrics();
        using var restorer = new ChangelogRestorer(options, metrics, TimeProvider.System, NullLogger.Instance);
        var root = Path.Combine(Path.GetTempPath(), $"fsbench-restore-{Guid.NewGuid():N}");
        var onDisk = new RocksDbCardStores(root, options.HistoryCachedCards, options.HistoryCacheMegabytes);
        Result onDiskResult, inMemory;
        try
        {
            // RocksDB first: its native memory is counted before the memory store's heap is in the process
            onDiskResult = Measure(() => onDisk.Open(HistorySettings.Default, 0, layout), restorer, cards);
            inMemory = Measure(() => new CardHistoryStore(HistorySettings.Default) { TracksChanges = true, Layout = layout }, restorer, cards);
        }
        finally
        {
            onDisk.Dispose();
            Directory.Delete(root, recursive: true);
        }

        Console.WriteLine();
        Console.WriteLine("| store | restore s | cards/s | memory a card (bytes: GC heap + native) | µs per transaction of a random card | × memory store |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        Console.WriteLine(inMemory.Row("memory", cards, inMemory));
        Console.WriteLine(onDiskResult.Row($"rocksdb, {options.HistoryCachedCards:N0} cards cached", cards, inMemory));
        await cluster.DeleteCreatedTopicsAsync();
        return inMemory.Cards == cards && onDiskResult.Cards >= cards * 0.9 ? 0 : 1; // RocksDB's count is its estimate
    }

    private readonly record struct Result(double Seconds, long Bytes, double Micros, long Cards)
    {
        public string Row(string name, int cards, Result baseline) =>
            $"| {name} | {Seconds:N1} | {cards / Seconds:N0} | {Bytes / (double)cards:N0} | {Micros:N1} | {Micros / baseline.Micros:N2} |";
    }

    /// <summary>Restores the changelog into a new store, then scores transactions of random cards through it in batches of 1,000.</summary>
    private static Result Measure(Func<CardHistoryStore> open, ChangelogRestorer restorer, int cards)
    {
        var (heap, native) = Memory();
        var clock = Stopwatch.StartNew();
        using var store = restorer.Restore(0, open(), CancellationToken.None);
        var seconds = clock.Elapsed.TotalSeconds;
        var (heapAfter, nativeAfter) = Memory();
        var labels = new LabelHistory(HistorySettings.Default);
        var row = new float[HistoryFeatures.Count];
        var random = new Random(2);
        var at = new DateTimeOffset(2026, 1, 31, 0, 0, 0, TimeSpan.Zero);
        const int Scored = 200_000;
        clock.Restart();
        for (var i = 0; i < Scored; i++)
        {
            var c = random.Next(cards);
            HistoryFeatures.Observe(store, labels, new Transaction($"n{i}", $"card-{c}", at.AddSeconds(i), 12.5, "EUR", "M1", "5411", Channel.Pos, true, "T1"), row);
            if (i % 1_000 == 999)
            {
                _ = store.TakeChanged();
            }
        }

        return new Result(seconds, heapAfter - heap + Math.Max(0, nativeAfter - native), clock.Elapsed.TotalMicroseconds / Scored, store.Count);
    }

    /// <summary>
    /// The compacted changelog of <paramref name="cards"/> cards, each with <paramref name="perCard"/> transactions over the
    /// last 30 days, each in a batch of its own: each key's latest record, in their order, without tombstones.
    /// </summary>
    private static (long Bytes, long Records) Produce(string bootstrap, string topic, int cards, int perCard, ChangelogLayout layout)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            LingerMs = 20,
            QueueBufferingMaxMessages = 500_000,
        }).Build();
        var random = new Random(1);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        long bytes = 0, records = 0;
        var labels = new LabelHistory(HistorySettings.Default);
        var row = new float[HistoryFeatures.Count];
        for (var c = 0; c < cards; c++)
        {
            // Each card through a store as the scorer keeps it; its changes are the records compaction keeps of it.
            using var store = new CardHistoryStore(HistorySettings.Default) { TracksChanges = true, Layout = layout };
            var latest = new Dictionary<string, (int Order, CardChange Change)>(StringComparer.Ordinal);
            var order = 0;
            for (var i = 0; i < perCard; i++)
            {
                var at = start + TimeSpan.FromDays(30.0 * i / perCard) + TimeSpan.FromSeconds(random.Next(3_600));
                HistoryFeatures.Observe(store, labels, new Transaction($"t{c}-{i}", $"card-{c}", at, Math.Round(random.NextDouble() * 200, 2), "EUR",
                    $"M{random.Next(1_000)}", "5411", Channel.Pos, true, $"T{random.Next(3_000)}",
                    MerchantLatitude: 52 + random.NextDouble(), MerchantLongitude: 4 + random.NextDouble()), row);
                foreach (var change in store.TakeChanged())
                {
                    latest[Convert.ToBase64String(change.Key())] = (order++, change);
                }
            }

            foreach (var (_, change) in latest.Values.Where(c => c.Change.Value is not null).OrderBy(c => c.Order))
            {
                var message = new Message<byte[], byte[]> { Key = change.Key(), Value = change.Value! };
                bytes += message.Key.Length + message.Value.Length;
                records++;
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
        }

        if (producer.Flush(TimeSpan.FromMinutes(5)) > 0)
        {
            throw new InvalidOperationException("The changelog was not all delivered within 5 minutes.");
        }

        return (bytes, records);
    }

    /// <summary>Bytes on the GC heap, and the process's resident bytes outside it (RocksDB's caches and write buffers).</summary>
    private static (long Heap, long Native) Memory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        return (heap, process.WorkingSet64 - GC.GetGCMemoryInfo().HeapSizeBytes);
    }
}
