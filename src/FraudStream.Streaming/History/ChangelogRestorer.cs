using Confluent.Kafka;
using FraudStream.Core.Features.History;
using FraudStream.Streaming.ExactlyOnce;
using FraudStream.Streaming.Telemetry;
using Microsoft.Extensions.Logging;

namespace FraudStream.Streaming.History;

/// <summary>
/// Rebuilds one input partition's card histories from its changelog partition, read_committed, before any of its records
/// is scored: what a crash, a restart, a rebalance or a scale-out leaves is exactly what the committed transactions wrote.
/// </summary>
/// <remarks>
/// The previous owner's last transaction may be committed while its marker on the changelog is not yet written (the
/// coordinator writes markers partition by partition). Restore therefore waits until the partition has no open
/// transaction (last stable offset = high watermark), then reads to that end.
/// </remarks>
internal sealed partial class ChangelogRestorer(ScorerOptions options, ScorerMetrics metrics, TimeProvider time, ILogger logger) : IDisposable
{
    private static readonly TimeSpan s_queryTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_openTransactionPoll = TimeSpan.FromMilliseconds(50);

    private Lazy<IConsumer<byte[], byte[]>> _committed = Reader(options, "restore", IsolationLevel.ReadCommitted);
    private Lazy<IConsumer<byte[], byte[]>> _uncommitted = Reader(options, "restore-end", IsolationLevel.ReadUncommitted);

    /// <summary>
    /// Closes both readers; the next restore opens new ones. After an outage a reader's cached metadata can lack a
    /// changelog partition ("Unknown partition") until its next periodic refresh, minutes later; a new reader asks the
    /// cluster afresh. The readers hold nothing between restores, so nothing is lost.
    /// </summary>
    public void Reset()
    {
        Dispose();
        _committed = Reader(options, "restore", IsolationLevel.ReadCommitted);
        _uncommitted = Reader(options, "restore-end", IsolationLevel.ReadUncommitted);
    }

    /// <summary>A reader opened on first use.</summary>
    private static Lazy<IConsumer<byte[], byte[]>> Reader(ScorerOptions options, string purpose, IsolationLevel isolation) =>
        new(() => KafkaReaders.Create(options, purpose, isolation, keyAndValueOnly: true));

    /// <summary>The card histories of <paramref name="partition"/> as its committed changelog holds them, in <paramref name="store"/> (empty, tracking changes).</summary>
    /// <exception cref="OperationCanceledException">Stopped while restoring.</exception>
    public CardHistoryStore Restore(int partition, CardHistoryStore store, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(store);
        var started = time.GetTimestamp();
        var changelog = new TopicPartition(options.ChangelogTopic, partition);
        var end = StableEnd(changelog, stop);
        long records = 0, bytes = 0;
        if (end > 0)
        {
            var reader = _committed.Value;
            reader.Assign(new TopicPartitionOffset(changelog, Offset.Beginning));
            try
            {
                while (true)
                {
                    stop.ThrowIfCancellationRequested();
                    var result = reader.Consume(TimeSpan.FromMilliseconds(200));
                    if (result is null)
                    {
                        continue;
                    }

                    if (result.IsPartitionEOF)
                    {
                        break; // the read_committed end now, which is at or past the stable end found above
                    }

                    store.Restore(CardChange.FromRecord(result.Message.Key, result.Message.Value));
                    records++;
                    bytes += result.Message.Value?.Length ?? 0;
                    if (result.Offset.Value + 1 >= end)
                    {
                        break;
                    }
                }
            }
            finally
            {
                reader.Unassign();
            }

            store.Restored();
        }

        var elapsed = time.GetElapsedTime(started);
        metrics.HistoryRestored(records, bytes, store.Count, elapsed);
        LogRestored(logger, partition, store.Count, records, bytes, elapsed.TotalMilliseconds);
        return store;
    }

    /// <summary>
    /// Opens both readers and connects them to every changelog partition's leader (a watermark query each, nothing
    /// read), so the first restores find their connections up.
    /// </summary>
    public void Connect(CancellationToken stop)
    {
        using var admin = new DependentAdminClientBuilder(_committed.Value.Handle).Build();
        var topic = admin.GetMetadata(options.ChangelogTopic, s_queryTimeout).Topics.Find(t => t.Topic == options.ChangelogTopic);
        foreach (var partition in topic?.Partitions ?? [])
        {
            stop.ThrowIfCancellationRequested();
            var changelog = new TopicPartition(options.ChangelogTopic, partition.PartitionId);
            _committed.Value.QueryWatermarkOffsets(changelog, s_queryTimeout);
            _uncommitted.Value.QueryWatermarkOffsets(changelog, s_queryTimeout);
        }
    }

    /// <summary>The changelog partition's end once no transaction is open on it (bounded by the transaction timeout).</summary>
    private long StableEnd(TopicPartition changelog, CancellationToken stop)
    {
        var deadline = time.GetTimestamp() + (long)((options.TransactionTimeout + TimeSpan.FromSeconds(10)).TotalSeconds * time.TimestampFrequency);
        while (true)
        {
            var stable = _committed.Value.QueryWatermarkOffsets(changelog, s_queryTimeout).High.Value;
            var high = _uncommitted.Value.QueryWatermarkOffsets(changelog, s_queryTimeout).High.Value;
            if (stable >= high)
            {
                return stable;
            }

            if (time.GetTimestamp() > deadline)
            {
                // A transaction open longer than the transaction timeout is aborted by the broker; waiting longer cannot help.
                LogStillOpen(logger, changelog.Partition.Value, high - stable);
                return stable;
            }

            if (stop.WaitHandle.WaitOne(s_openTransactionPoll))
            {
                stop.ThrowIfCancellationRequested();
            }
        }
    }

    public void Dispose()
    {
        if (_committed.IsValueCreated)
        {
            _committed.Value.Close();
            _committed.Value.Dispose();
        }

        if (_uncommitted.IsValueCreated)
        {
            _uncommitted.Value.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored card history of partition {Partition}: {Cards} cards from {Records} changelog records ({Bytes} bytes) in {Milliseconds:0} ms.")]
    private static partial void LogRestored(ILogger logger, int partition, long cards, long records, long bytes, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Changelog partition {Partition} still has {Records} records of an open transaction after the transaction timeout; restoring what is committed.")]
    private static partial void LogStillOpen(ILogger logger, int partition, long records);
}
