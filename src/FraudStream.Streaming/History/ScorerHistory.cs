using Confluent.Kafka;
using FraudStream.Avro.Registry;
using FraudStream.Core.Features.History;
using FraudStream.Streaming.ExactlyOnce;
using FraudStream.Streaming.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Transaction = FraudStream.Core.Transactions.Transaction;

namespace FraudStream.Streaming.History;

/// <summary>How much history an instance holds: cards, bytes in memory (cards and labels), labels.</summary>
public readonly record struct HistorySize(long Cards, long Bytes, long Labels);

/// <summary>
/// The scorer's state for history features: per owned input partition, its cards' histories (restored from the
/// changelog before the partition's first record is scored); and the labels, read whole from the labels topic.
/// </summary>
/// <remarks>
/// Batches are observed on a pool thread while rebalance callbacks run on the loop thread. One lock orders them: a
/// partition taken away is forgotten under it, and a batch observes only rows its partition still keeps, checked
/// under it; so what a batch left uncommitted can never survive into a later owner's state. After an abort every
/// partition is forgotten and restored from what was committed.
/// </remarks>
public sealed partial class ScorerHistory : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<int, CardHistoryStore> _partitions = [];
    private readonly LabelHistory _labels;
    private readonly ChangelogRestorer _restorer;
    private readonly LabelFollower _follower;
    private readonly ScorerMetrics _metrics;
    private readonly RocksDbCardStores? _onDisk;
    private readonly ChangelogLayout _changelogLayout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HashSet<int> _assigned = []; // guarded by itself: Assigned and Forget run on the loop thread, restores on the pool
    private readonly CancellationTokenSource _closing = new();
    private HistorySize _lastSize;

    /// <summary>Creates the state; Kafka readers open on first use.</summary>
    public ScorerHistory(IOptions<ScorerOptions> options, ISchemaRegistry registry, ScorerMetrics metrics, TimeProvider time, ILogger<ScorerHistory> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Settings = options.Value.History();
        _changelogLayout = options.Value.ChangelogLayout;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _labels = new LabelHistory(Settings);
        _restorer = new ChangelogRestorer(options.Value, metrics, time, logger);
        if (options.Value.KeepsHistoryOnDisk)
        {
            _onDisk = new RocksDbCardStores(options.Value.HistoryPath, options.Value.HistoryCachedCards, options.Value.HistoryCacheMegabytes);
            LogOnDisk(logger, _onDisk.InstanceDirectory, options.Value.HistoryCachedCards);
        }

        _follower = new LabelFollower(options.Value, registry, metrics, logger);
        metrics.ObserveHistory(StateSize);
    }

    /// <summary>The settings history is kept with; a model trained with others is refused.</summary>
    public HistorySettings Settings { get; }

    /// <summary>
    /// Opens the Kafka readers before the first batch: reads the labels topic to its end and connects the changelog
    /// readers to the partitions' leaders, so the first batch does not pay for it (it did: 200 to 1,600 ms in the demo,
    /// during which every record waited). Waits at most <paramref name="limit"/>: a cluster that does not answer is
    /// left to the first batch, which waits it out with back-off as always (and for this warm-up, under the same lock).
    /// </summary>
    /// <exception cref="OperationCanceledException">Stopped meanwhile.</exception>
    public void Prepare(TimeSpan limit, CancellationToken stop)
    {
        var warming = Task.Run(() =>
        {
            try
            {
                lock (_gate)
                {
                    _follower.CatchUp(_labels, stop);
                    _restorer.Connect(stop);
                }
            }
            catch (Exception e) when (e is KafkaException or OperationCanceledException)
            {
                LogPrepareFailed(_logger, e.Message);
            }
        }, CancellationToken.None);
        warming.Wait(limit, stop);
    }

    /// <summary>
    /// Writes the history features of each transaction (<see cref="HistoryFeatures.Count"/> per row into
    /// <paramref name="features"/>) and remembers it; the new history of each changed card goes to <paramref name="changelog"/>.
    /// Rows of partitions dropped from the batch get missing features and change nothing.
    /// </summary>
    public void Observe(RecordBatch batch, IReadOnlyList<Transaction> transactions, IReadOnlyList<int> rows, float[] features, ChangelogBuffer changelog, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(transactions);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(changelog);
        // Reading labels and restoring partitions talk to Kafka; they come first, before anything changes, so an outage
        // (a broker down, a timeout) is waited out with back-off, outside the lock, and the whole step done again.
        var backoff = new Backoff(_time);
        while (true)
        {
            try
            {
                lock (_gate)
                {
                    _follower.CatchUp(_labels, stop);
                    foreach (var partition in PartitionsKept(batch, rows))
                    {
                        StoreOf(partition, stop);
                    }

                    ObserveRows(batch, transactions, rows, features, changelog);
                    return;
                }
            }
            catch (KafkaException e) when (!e.Error.IsFatal && !stop.IsCancellationRequested)
            {
                _metrics.HistoryRetried();
                LogKafkaRetry(_logger, e.Error.Reason, backoff.Delay.TotalSeconds);
                if (e.Error.Code == ErrorCode.Local_UnknownPartition)
                {
                    // Seen after the coordinator-down fault: the restorer's readers kept metadata without the changelog
                    // partition and failed every retry for minutes. New readers fetch it afresh.
                    lock (_gate)
                    {
                        _restorer.Reset();
                    }
                }

                if (backoff.Wait(stop))
                {
                    throw new OperationCanceledException(stop);
                }
            }
        }
    }

    /// <summary>The input partitions of the rows the batch still keeps.</summary>
    private static HashSet<int> PartitionsKept(RecordBatch batch, IReadOnlyList<int> rows)
    {
        var partitions = new HashSet<int>();
        lock (batch.Dropped)
        {
            foreach (var row in rows)
            {
                if (batch.Keeps(row))
                {
                    partitions.Add(batch.Records[row].Partition.Value);
                }
            }
        }

        return partitions;
    }

    /// <summary>The rows' features and history updates; every partition they need is restored (no Kafka call here).</summary>
    private void ObserveRows(RecordBatch batch, IReadOnlyList<Transaction> transactions, IReadOnlyList<int> rows, float[] features, ChangelogBuffer changelog)
    {
        var width = HistoryFeatures.Count;
        var touched = new HashSet<int>();
        for (var i = 0; i < transactions.Count; i++)
        {
            var row = features.AsSpan(i * width, width);
            bool keeps;
            lock (batch.Dropped)
            {
                keeps = batch.Keeps(rows[i]);
            }

            if (!keeps)
            {
                row.Fill(float.NaN);
                continue;
            }

            var partition = batch.Records[rows[i]].Partition.Value;
            var cards = _partitions[partition];
            if (!HistoryFeatures.Observe(cards, _labels, transactions[i], row))
            {
                _metrics.TooLate();
            }

            touched.Add(partition);
        }

        foreach (var partition in touched)
        {
            _partitions[partition].TakeChanged(changelog, partition);
        }
    }

    /// <summary>
    /// Starts restoring newly assigned partitions on a pool thread, so their first batch finds their history ready (in
    /// the demo the first two batches waited 26 and 12 ms for it). A partition taken away before its turn is skipped,
    /// one a batch already restored is left alone, and whatever this could not restore (Kafka did not answer) the
    /// first batch restores as before.
    /// </summary>
    public void Assigned(IReadOnlyList<int> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        lock (_assigned)
        {
            _assigned.UnionWith(partitions);
        }

        _ = Task.Run(() => RestoreAssigned(partitions), CancellationToken.None);
    }

    private void RestoreAssigned(IReadOnlyList<int> partitions)
    {
        foreach (var partition in partitions)
        {
            try
            {
                lock (_gate)
                {
                    bool owned;
                    lock (_assigned)
                    {
                        owned = _assigned.Contains(partition);
                    }

                    if (owned && !_closing.IsCancellationRequested)
                    {
                        StoreOf(partition, _closing.Token);
                    }
                }
            }
            catch (Exception e) when (e is KafkaException or OperationCanceledException or ObjectDisposedException)
            {
                LogRestoreLeftToBatch(_logger, partition, e.Message);
                return;
            }
        }
    }

    /// <summary>Forgets partitions taken away from this instance (revoked or lost); their next owner restores them.</summary>
    public void Forget(IEnumerable<int> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        int[] gone = [.. partitions];
        lock (_assigned)
        {
            _assigned.ExceptWith(gone);
        }

        lock (_gate)
        {
            foreach (var partition in gone)
            {
                if (_partitions.Remove(partition, out var cards))
                {
                    cards.Dispose();
                }
            }
        }
    }

    /// <summary>Forgets every partition after an abort: uncommitted changes are gone, and each is restored from its changelog.</summary>
    public void ForgetAll()
    {
        lock (_gate)
        {
            DisposeStores();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _closing.Cancel(); // a restore started on assignment stops, and gives up the lock
        lock (_gate)
        {
            DisposeStores();
        }

        _onDisk?.Dispose();
        _restorer.Dispose();
        _follower.Dispose();
        _closing.Dispose();
    }

    private void DisposeStores()
    {
        foreach (var cards in _partitions.Values)
        {
            cards.Dispose();
        }

        _partitions.Clear();
    }

    private CardHistoryStore StoreOf(int partition, CancellationToken stop)
    {
        if (!_partitions.TryGetValue(partition, out var cards))
        {
            var empty = _onDisk?.Open(Settings, partition, _changelogLayout)
                ?? new CardHistoryStore(Settings) { TracksChanges = true, Layout = _changelogLayout };
            try
            {
                cards = _restorer.Restore(partition, empty, stop);
            }
            catch
            {
                empty.Dispose();
                throw;
            }

            _partitions[partition] = cards;
        }

        return cards;
    }

    /// <summary>Cards, bytes of state and labels held, read by the metrics' gauges; the last reading while a batch holds the state.</summary>
    private HistorySize StateSize()
    {
        if (Monitor.TryEnter(_gate))
        {
            try
            {
                _lastSize = new HistorySize(
                    _partitions.Values.Sum(p => p.Count),
                    _partitions.Values.Sum(p => p.MemoryBytes()) + _labels.MemoryBytes + (_onDisk?.CacheBytes ?? 0),
                    _labels.Count);
            }
            finally
            {
                Monitor.Exit(_gate);
            }
        }

        return _lastSize;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka did not answer while reading labels or restoring card history ({Reason}); retrying in {Seconds} s.")]
    private static partial void LogKafkaRetry(ILogger logger, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Card history of partition {Partition} was not restored on assignment ({Reason}); its first batch restores it.")]
    private static partial void LogRestoreLeftToBatch(ILogger logger, int partition, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka did not answer while opening the history's readers ({Reason}); the first batch opens them.")]
    private static partial void LogPrepareFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Card histories are kept in RocksDB under {Directory}, {CachedCards} cards per partition in memory.")]
    private static partial void LogOnDisk(ILogger logger, string directory, int cachedCards);
}
