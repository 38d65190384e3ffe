using FraudStream.Core.Features.History;
using FraudStream.Core.Transactions;
using FraudStream.Streaming.ExactlyOnce;
using FraudStream.Streaming.History;

namespace FraudStream.Streaming.Tests.History;

/// <summary>The on-disk card store (Scorer:HistoryStore = rocksdb) against the in-memory one, on the real RocksDB.</summary>
public sealed class RocksDbCardStoresTests
{
    private static readonly DateTimeOffset s_start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private string _root = "";

    [SetUp]
    public void CreateRoot() => _root = Path.Combine(Path.GetTempPath(), $"fraudstream-rocksdb-test-{Guid.NewGuid():N}");

    [TearDown]
    public void DeleteRoot()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>A day of 300 cards' transactions, in random order within the lateness bound, at 40 terminals.</summary>
    private static List<Transaction> Stream(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, 6_000)
            .Select(i => new Transaction(
                $"t{i}", $"C-{random.Next(300)}", s_start + TimeSpan.FromSeconds((i * 14) - random.Next(600)), Math.Round(random.NextDouble() * 400, 2),
                "EUR", $"M-{random.Next(60)}", "5411", Channel.Pos, CardPresent: true, TerminalId: $"T-{random.Next(40)}",
                MerchantLatitude: random.Next(4) == 0 ? null : 50 + random.NextDouble(), MerchantLongitude: 4 + random.NextDouble()))
            .ToList();
    }

    /// <summary>Every row's features as bits, and every batch's changelog, observing in batches of 97.</summary>
    private static (List<int[]> Rows, List<List<CardChange>> Changelog) Run(CardHistoryStore cards, IEnumerable<Transaction> stream)
    {
        var labels = new LabelHistory(cards.Settings);
        var rows = new List<int[]>();
        var changelog = new List<List<CardChange>>();
        var row = new float[HistoryFeatures.Count];
        var n = 0;
        foreach (var t in stream)
        {
            HistoryFeatures.Observe(cards, labels, t, row);
            rows.Add([.. row.Select(BitConverter.SingleToInt32Bits)]);
            if (++n % 97 == 0)
            {
                changelog.Add(cards.TakeChanged());
            }
        }

        changelog.Add(cards.TakeChanged());
        return (rows, changelog);
    }

    [TestCase(ChangelogLayout.Whole)]
    [TestCase(ChangelogLayout.Daily)]
    [TestCase(ChangelogLayout.Delta)]
    public void A_rocksdb_store_caching_few_cards_gives_the_memory_stores_features_and_changelog_bit_for_bit(ChangelogLayout layout)
    {
        // Arrange: 10 of 300 cards cached, so almost every card is evicted and read back from disk many times.
        var stream = Stream(seed: 5);
        using var onDisk = new RocksDbCardStores(_root, cachedCards: 10, cacheMegabytes: 8);
        using var fromDisk = onDisk.Open(HistorySettings.Default, partition: 0, layout);
        using var inMemory = new CardHistoryStore(HistorySettings.Default) { TracksChanges = true, Layout = layout };

        // Act
        var expected = Run(inMemory, stream);
        var actual = Run(fromDisk, stream);

        // Assert: the same records (a card read back from disk keeps its count of deltas, so it writes what the memory
        // store's card writes).
        Assert.Multiple(() =>
        {
            Assert.That(actual.Rows, Is.EqualTo(expected.Rows), "features");
            Assert.That(actual.Changelog.Select(b => b.Select(c => (c.CardId, c.Bucket, c.Slot, Convert.ToBase64String(c.Value ?? [])))), Is.EqualTo(
                expected.Changelog.Select(b => b.Select(c => (c.CardId, c.Bucket, c.Slot, Convert.ToBase64String(c.Value ?? []))))), "changelog records");
            Assert.That(expected.Changelog.SelectMany(b => b).Count(c => c.Slot is not null), layout == ChangelogLayout.Delta ? Is.GreaterThan(2_000) : Is.Zero, "deltas");
            Assert.That(inMemory.Count, Is.EqualTo(300));
        });
    }

    [TestCase(ChangelogLayout.Whole)]
    [TestCase(ChangelogLayout.Daily)]
    [TestCase(ChangelogLayout.Delta)]
    public void A_rocksdb_store_restored_from_a_changelog_continues_as_the_memory_store_restored_from_it(ChangelogLayout layout)
    {
        // Arrange: the changelog of the first half of a stream, with a tombstone for one card; restored into both stores.
        var stream = Stream(seed: 9);
        using var writer = new CardHistoryStore(HistorySettings.Default) { TracksChanges = true, Layout = layout };
        var changelog = Run(writer, stream.Take(3_000)).Changelog.SelectMany(b => b).Append(new("C-7", null, null)).ToList();
        using var older = new CardHistoryStore(HistorySettings.Default) { TracksChanges = true };
        changelog.InsertRange(0, Run(older, stream.Take(500)).Changelog.SelectMany(b => b).Where(c => c.CardId is "C-1" or "C-2")); // whole records first, as a changelog from before days has them
        using var onDisk = new RocksDbCardStores(_root, cachedCards: 10, cacheMegabytes: 8);
        using var fromDisk = onDisk.Open(HistorySettings.Default, partition: 3, layout);
        using var inMemory = new CardHistoryStore(HistorySettings.Default) { TracksChanges = true, Layout = layout };
        foreach (var change in changelog)
        {
            fromDisk.Restore(change);
            inMemory.Restore(change);
        }

        fromDisk.Restored();
        inMemory.Restored();

        // Act
        var rest = stream.Skip(3_000).ToList();
        var expected = Run(inMemory, rest);
        var actual = Run(fromDisk, rest);

        // Assert
        Assert.That(actual.Rows, Is.EqualTo(expected.Rows));
        Assert.That(expected.Rows.Count(r => r[0] != BitConverter.SingleToInt32Bits(float.NaN)), Is.GreaterThan(2_500), "the restored history informed the second half");
    }

    [Test]
    public void A_store_refuses_a_changelog_value_it_could_not_read_back()
    {
        using var onDisk = new RocksDbCardStores(_root, cachedCards: 10, cacheMegabytes: 8);
        using var cards = onDisk.Open(HistorySettings.Default, partition: 0);

        Assert.That(() => cards.Restore("C-1", [9, 9, 9]), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void Each_instance_works_in_its_own_directory_and_clears_only_those_of_dead_instances()
    {
        // Arrange: a directory left by a killed instance (its lock free), and a live instance.
        var abandoned = Directory.CreateDirectory(Path.Combine(_root, "instance-abandoned")).FullName;
        File.WriteAllText(Path.Combine(abandoned, "instance.lock"), "");
        using var live = new RocksDbCardStores(_root, cachedCards: 10, cacheMegabytes: 8);
        using (var cards = live.Open(HistorySettings.Default, partition: 0))
        {
            Run(cards, Stream(seed: 1).Take(100));

            // Act
            using var second = new RocksDbCardStores(_root, cachedCards: 10, cacheMegabytes: 8);

            // Assert
            Assert.Multiple(() =>
            {
                Assert.That(Directory.Exists(abandoned), Is.False, "the dead instance's directory is deleted");
                Assert.That(Directory.Exists(live.InstanceDirectory), Is.True, "the live instance's directory is kept");
                Assert.That(second.InstanceDirectory, Is.Not.EqualTo(live.InstanceDirectory));
                Assert.That(cards.Find("C-1"), Is.Not.Null, "the live instance's store still reads");
            });
        }

        live.Dispose();
        Assert.That(Directory.Exists(live.InstanceDirectory), Is.False, "a disposed instance deletes its directory");
    }

    [Test]
    public void A_forgotten_partitions_database_is_deleted_from_disk()
    {
        using var onDisk = new RocksDbCardStores(_root, cachedCards: 10, cacheMegabytes: 8);
        var cards = onDisk.Open(HistorySettings.Default, partition: 0);
        Run(cards, Stream(seed: 1).Take(100));
        Assert.That(Directory.GetDirectories(onDisk.InstanceDirectory), Has.Length.EqualTo(1));

        cards.Dispose();

        Assert.That(Directory.GetDirectories(onDisk.InstanceDirectory), Is.Empty);
    }

    [Test]
    public void A_history_path_that_is_a_file_stops_the_scorer_with_one_sentence_saying_what_to_fix()
    {
        Directory.CreateDirectory(_root);
        var file = Path.Combine(_root, "not-a-directory");
        File.WriteAllText(file, "");

        Assert.That(() => new RocksDbCardStores(file, cachedCards: 10, cacheMegabytes: 8),
            Throws.InvalidOperationException.With.Message.StartsWith($"Scorer:HistoryPath '{file}' cannot be used").And.Message.EndsWith("give a writable local directory."));
    }

    [TestCase("HistoryStore", "disk", "Scorer:HistoryStore must be 'memory' or 'rocksdb', not 'disk'.")]
    [TestCase("HistoryChangelog", "deltas", "Scorer:HistoryChangelog must be 'whole', 'daily' or 'delta', not 'deltas'.")]
    [TestCase("HistoryCachedCards", "0", "Scorer:HistoryCachedCards must be a whole number from 1 to 100000000, not 0.")]
    [TestCase("HistoryCacheMegabytes", "0", "Scorer:HistoryCacheMegabytes must be a whole number from 1 to 1048576, not 0.")]
    public void Bad_store_settings_are_refused_at_start(string setting, string value, string message)
    {
        var options = new ScorerOptions { BootstrapServers = "k:9092", TransactionalId = "t" };
        switch (setting)
        {
            case "HistoryStore": options.HistoryStore = value; break;
            case "HistoryChangelog": options.HistoryChangelog = value; break;
            case "HistoryCachedCards": options.HistoryCachedCards = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            default: options.HistoryCacheMegabytes = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
        }

        var result = new ScorerOptionsValidator().Validate(null, options);

        Assert.That(result.Failures, Is.EqualTo(new[] { message }));
    }
}
