using System.Text;
using FraudStream.Core.Features.History;
using RocksDbSharp;

namespace FraudStream.Streaming.History;

/// <summary>
/// The on-disk card stores of one scorer instance (Scorer:HistoryStore = rocksdb): a RocksDB database per owned input
/// partition in the instance's own directory, sharing one block cache, each holding a local copy of its changelog
/// partition. A partition's database is created empty when the partition is restored and deleted when it is forgotten:
/// the changelog stays the only durable state, so a crash leaves nothing on disk that could disagree with it.
/// </summary>
/// <remarks>
/// Each instance works in a directory of its own under Scorer:HistoryPath and holds a lock on it while it lives;
/// directories whose lock nobody holds (left by a killed instance) are deleted at start.
/// </remarks>
internal sealed class RocksDbCardStores : IDisposable
{
    private const string LockFile = "instance.lock";
    private readonly string _directory;
    private readonly FileStream _lock;
    private readonly Cache _blockCache;
    private readonly int _cachedCards;
    private int _opened;

    /// <summary>Takes a directory under <paramref name="root"/> for this instance and clears those of dead instances.</summary>
    /// <exception cref="InvalidOperationException">The directory cannot be created or written.</exception>
    public RocksDbCardStores(string root, int cachedCards, int cacheMegabytes)
    {
        root = string.IsNullOrWhiteSpace(root) ? Path.Combine(Path.GetTempPath(), "fraudstream-history") : root;
        try
        {
            Directory.CreateDirectory(root);
            DeleteAbandoned(root);
            _directory = Directory.CreateDirectory(Path.Combine(root, $"instance-{Guid.NewGuid():N}")).FullName;
            _lock = new FileStream(Path.Combine(_directory, LockFile), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Scorer:HistoryPath '{root}' cannot be used for the rocksdb card store ({e.Message}): give a writable local directory.", e);
        }

        _cachedCards = cachedCards;
        _blockCache = Cache.CreateLru((ulong)cacheMegabytes << 20);
    }

    /// <summary>The instance's directory.</summary>
    public string InstanceDirectory => _directory;

    /// <summary>Bytes the shared block cache holds.</summary>
    public long CacheBytes => (long)_blockCache.GetUsage();

    /// <summary>An empty store for <paramref name="partition"/>, backed by a new database, writing its changelog in <paramref name="layout"/>.</summary>
    public CardHistoryStore Open(HistorySettings settings, int partition, ChangelogLayout layout = ChangelogLayout.Whole) =>
        new(settings, new Backing(this, Path.Combine(_directory, $"partition-{partition}-{Interlocked.Increment(ref _opened)}")), _cachedCards) { Layout = layout };

    public void Dispose()
    {
        _lock.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // a database still open (its store not yet disposed) is cleared at the next start
        }
    }

    private static void DeleteAbandoned(string root)
    {
        foreach (var directory in Directory.EnumerateDirectories(root, "instance-*"))
        {
            try
            {
                using (new FileStream(Path.Combine(directory, LockFile), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                    // the lock was free: its instance is gone
                }

                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // locked by a live instance, or already gone
            }
        }
    }

    /// <summary>One partition's database.</summary>
    private sealed class Backing : ICardHistoryBacking
    {
        private readonly RocksDb _db;
        private readonly string _path;
        private readonly WriteOptions _write = new WriteOptions().DisableWal(1); // the changelog is the log

        public Backing(RocksDbCardStores owner, string path)
        {
            _path = path;
            var table = new BlockBasedTableOptions()
                .SetBlockCache(owner._blockCache.Handle)
                .SetFilterPolicy(BloomFilterPolicy.Create(10, false)) // most lookups of a new card find nothing: answer them from memory
                .SetCacheIndexAndFilterBlocks(true);
            var options = new DbOptions()
                .SetCreateIfMissing(true)
                .SetErrorIfExists(true)
                .SetBlockBasedTableFactory(table)
                .SetWriteBufferSize(16UL << 20)
                .SetMaxWriteBufferNumber(2)
                .SetCompression(Compression.Lz4);
            _db = RocksDb.Open(options, path);
        }

        public long EstimatedCards => long.TryParse(_db.GetProperty("rocksdb.estimate-num-keys"), out var n) ? n : 0;

        public long MemoryBytes => long.TryParse(_db.GetProperty("rocksdb.cur-size-all-mem-tables"), out var n) ? n : 0;

        public byte[]? Read(string cardId) => _db.Get(Encoding.UTF8.GetBytes(cardId));

        public void Write(IReadOnlyList<KeyValuePair<string, byte[]?>> changes)
        {
            if (changes.Count == 0)
            {
                return;
            }

            using var batch = new WriteBatch();
            foreach (var (cardId, value) in changes)
            {
                var key = Encoding.UTF8.GetBytes(cardId);
                if (value is null)
                {
                    batch.Delete(key);
                }
                else
                {
                    batch.Put(key, value);
                }
            }

            _db.Write(batch, _write);
        }

        public void Dispose()
        {
            _db.Dispose();
            Directory.Delete(_path, recursive: true);
        }
    }
}
