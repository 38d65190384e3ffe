using System.Diagnostics.CodeAnalysis;
using Confluent.Kafka;
using FraudStream.Streaming.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>Why <see cref="BatchCollector.Collect"/> returned.</summary>
internal enum CollectOutcome
{
    /// <summary>BatchSize records, or Linger passed since the first.</summary>
    Ready,

    /// <summary>Nothing arrived and nothing is in flight: time for housekeeping.</summary>
    Idle,

    /// <summary>The batch in flight finished processing: commit it, then collect on.</summary>
    InFlightDone,

    /// <summary>A stop was requested.</summary>
    Stopped,
}

/// <summary>
/// Fills a batch from the consumer (up to BatchSize records, or what arrives within Linger of the first; with natural
/// batching, only until the consumer has nothing more at hand while no other batch is in flight), tells
/// record errors (dead-lettered) from partition errors (never skipped), and masks revoked partitions: their records
/// leave the batch being collected and are marked dropped in the batch in flight, whose commit leaves them out.
/// </summary>
internal sealed partial class BatchCollector(
    IOptions<ScorerOptions> options,
    ScorerMetrics metrics,
    ScorerHealth health,
    TimeProvider time,
    ILogger<BatchCollector> logger) : IPartitionListener
{
    /// <summary>The DLQ reason of a record the consumer could not read.</summary>
    public const string ConsumeErrorReason = "consume_error";

    private static readonly TimeSpan s_idlePoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_inFlightPoll = TimeSpan.FromMilliseconds(2);
    private readonly ScorerOptions _options = options.Value;
    private readonly Dictionary<TopicPartition, long> _firstOffsets = [];

    /// <summary>
    /// The partition of the last record consumed, already in <see cref="_firstOffsets"/>: records come in runs of one
    /// partition, so the dictionary is looked up when the run changes, not for every record. Forgotten whenever a
    /// partition leaves <see cref="_firstOffsets"/>.
    /// </summary>
    private int _lastPartition = -1;

    /// <summary>
    /// The partitions assigned to this instance now, kept by the rebalance callbacks. A record of any other partition
    /// (one librdkafka hands out after its revocation) is dropped: committing it would move a partition another
    /// member owns, and Kafka does not check ownership in TxnOffsetCommit.
    /// </summary>
    private readonly HashSet<TopicPartition> _owned = [];

    /// <summary>A fatal consumer error (e.g. FENCED_INSTANCE_ID): the consumer can do nothing more and the loop must stop.</summary>
    public Error? FatalError { get; private set; }

    /// <summary>
    /// The first offset read from <paramref name="partition"/> since it was assigned, or null: where a rewind goes when
    /// the group has no committed offset for it yet (the reset policy's "latest" would skip what was read since).
    /// </summary>
    public long? FirstOffsetSinceAssigned(TopicPartition partition) => _firstOffsets.TryGetValue(partition, out var offset) ? offset : null;

    /// <summary>The batch being collected.</summary>
    public RecordBatch? Collecting { get; set; }

    /// <summary>The batch being processed or waiting to commit, if any.</summary>
    public RecordBatch? InFlight { get; set; }

    /// <summary>Told of partitions newly assigned (the handler may prepare their state).</summary>
    public Action<IReadOnlyList<TopicPartition>>? PartitionsAssigned { get; set; }

    /// <summary>Told of partitions revoked or lost, after the batches were marked (the handler forgets their state).</summary>
    public Action<IReadOnlyList<TopicPartition>>? PartitionsGone { get; set; }

    /// <summary>
    /// Consumes into <see cref="Collecting"/> until it is ready, the consumer is idle, or <paramref name="inFlightWork"/>
    /// (the processing of the batch in flight, null when none) is done and that batch can be committed (the caller
    /// commits it between two Consume calls, then collects on).
    /// </summary>
    public CollectOutcome Collect(IConsumer<byte[], byte[]> consumer, Task? inFlightWork, CancellationToken stop)
    {
        var batch = Collecting!;
        while (!stop.IsCancellationRequested && FatalError is null)
        {
            if (batch.Count >= _options.BatchSize)
            {
                return CollectOutcome.Ready;
            }

            if (inFlightWork is { IsCompleted: true })
            {
                return CollectOutcome.InFlightDone;
            }

            var wait = s_idlePoll;
            if (batch.Count > 0)
            {
                wait = _options.Linger - time.GetElapsedTime(batch.FirstRecordAt);
                if (wait <= TimeSpan.Zero)
                {
                    return CollectOutcome.Ready;
                }

                wait = wait < s_idlePoll ? wait : s_idlePoll;
                if (_options.NaturalBatching && inFlightWork is null)
                {
                    // Nothing is being processed or committed, so waiting for more only delays this batch: take what
                    // the consumer has at hand and close. Under load, records pile up while a batch is in flight, so
                    // batches grow with the rate (up to BatchSize or Linger); at low rates they stay small and fast.
                    if (!ConsumeOne(consumer, batch, TimeSpan.Zero))
                    {
                        return CollectOutcome.Ready;
                    }

                    continue;
                }
            }

            if (inFlightWork is not null)
            {
                // Take what the consumer has at hand, then wait on the work itself rather than on the consumer: its
                // commit starts as soon as it is processed, not when the next record or a poll timeout comes.
                if (!ConsumeOne(consumer, batch, TimeSpan.Zero))
                {
                    WaitFor(inFlightWork, wait < s_inFlightPoll ? wait : s_inFlightPoll);
                }

                continue;
            }

            if (!ConsumeOne(consumer, batch, wait) && batch.Count == 0)
            {
                return CollectOutcome.Idle;
            }
        }

        return CollectOutcome.Stopped;
    }

    /// <summary>
    /// Waits for <paramref name="work"/> (the batch in flight) while the next batch goes on filling, up to BatchSize:
    /// its records go to processing as soon as the work is done, and the consumer is polled meanwhile. Once that batch
    /// is full and the work still runs (a registry outage holds it up), Consume is called with every partition paused:
    /// the member keeps its place in the group (max.poll.interval.ms) and rebalance callbacks run, but no more records
    /// pile up.
    /// </summary>
    /// <remarks>
    /// Pausing is kept for that case only: after a resume, librdkafka fetches a partition again only when its broker
    /// thread next wakes up (up to 1 s later, measured 100 to 850 ms on the dev broker), so a pause whenever a batch
    /// took a little longer (the first one restores history, warms up) stalled the input for most of a second.
    /// </remarks>
    public void PollUntil(IConsumer<byte[], byte[]> consumer, Task work)
    {
        // Waits without observing the task: a failed batch is the caller's to surface, after the pipeline is emptied.
        var done = ((IAsyncResult)work).AsyncWaitHandle;
        List<TopicPartition>? paused = null;
        try
        {
            while (!work.IsCompleted)
            {
                if (paused is null && FatalError is null && Collecting!.Count < _options.BatchSize)
                {
                    if (!ConsumeOne(consumer, Collecting, TimeSpan.Zero))
                    {
                        WaitFor(work, s_inFlightPoll); // nothing at hand: back as soon as the work ends
                    }

                    continue;
                }

                // The next batch is full: wait for the work without taking more records.
                if (done.WaitOne(s_idlePoll) || FatalError is not null)
                {
                    continue; // a consumer that failed fatally can do nothing more: only wait
                }

                if (paused is null)
                {
                    paused = consumer.Assignment;
                    consumer.Pause(paused);
                }

                ConsumeOne(consumer, Collecting!, TimeSpan.Zero);
                var assignment = consumer.Assignment;
                if (assignment.Count != paused.Count || assignment.Except(paused).Any())
                {
                    paused = assignment; // newly assigned partitions wait too
                    consumer.Pause(paused);
                }
            }
        }
        finally
        {
            if (paused is not null)
            {
                consumer.Resume(consumer.Assignment);
            }
        }
    }

    /// <summary>
    /// Names the record's topic: the scorer's consumer leaves it out of each result (it reads one topic, and
    /// Confluent.Kafka would copy the name out of librdkafka for every record: <see cref="KafkaClientFactory"/>).
    /// </summary>
    [return: NotNullIfNotNull(nameof(record))]
    private ConsumeResult<byte[], byte[]>? WithTopic(ConsumeResult<byte[], byte[]>? record)
    {
        if (record is { Topic: null })
        {
            record.Topic = _options.InputTopic;
        }

        return record;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for <paramref name="work"/>, without observing its outcome.</summary>
    private static void WaitFor(Task work, TimeSpan timeout) => ((IAsyncResult)work).AsyncWaitHandle.WaitOne(timeout);

    /// <summary>Consumes at most one record into the batch; false when none arrived.</summary>
    private bool ConsumeOne(IConsumer<byte[], byte[]> consumer, RecordBatch batch, TimeSpan wait)
    {
        ConsumeResult<byte[], byte[]>? record;
        try
        {
            record = WithTopic(consumer.Consume(wait));
        }
        catch (ConsumeException e) when (e.Error.IsFatal)
        {
            FatalError = e.Error;
            LogFatal(logger, e.Error.Code, e.Error.Reason);
            return false;
        }
        catch (ConsumeException e) when (IsRecordError(e))
        {
            // A record at this offset cannot be read and the position is already past it: it is dead-lettered in
            // this batch's transaction, so the partition goes on and nothing valid is lost.
            record = WithTopic(e.ConsumerRecord);
            if (!_owned.Contains(record.TopicPartition))
            {
                LogNotOwned(logger, record.TopicPartitionOffset.ToString());
                return false;
            }

            record.Message ??= new Message<byte[], byte[]> { Value = [] };
            batch.Rejected.Add(new Rejection(batch.Count, ConsumeErrorReason, e));
            // librdkafka's fetcher is past it but the application position is not: a pause/resume or a rebalance
            // would fetch it again and dead-letter it twice. Seek moves the application position past it too.
            consumer.Seek(new TopicPartitionOffset(record.TopicPartition, record.Offset.Value + 1));
        }
        catch (ConsumeException e)
        {
            // A partition-level error (authorization, offset out of range, a broker error) carries the fetch position,
            // not a record: nothing is skipped, nothing dead-lettered, and the committed offset does not move.
            metrics.PartitionError(e.Error.Code);
            LogPartitionError(logger, WithTopic(e.ConsumerRecord)?.TopicPartitionOffset?.ToString() ?? "no partition", e.Error.Code, e.Error.Reason);
            return false;
        }

        if (record is null || record.IsPartitionEOF)
        {
            return false;
        }

        if (record.Partition.Value != _lastPartition && !_owned.Contains(record.TopicPartition))
        {
            LogNotOwned(logger, record.TopicPartitionOffset.ToString());
            return false;
        }

        if (batch.Count == 0)
        {
            batch.FirstRecordAt = time.GetTimestamp();
        }

        if (record.Partition.Value != _lastPartition)
        {
            _firstOffsets.TryAdd(record.TopicPartition, record.Offset.Value);
            _lastPartition = record.Partition.Value;
        }

        batch.Records.Add(record);
        return true;
    }

    /// <summary>
    /// True for an error about one record the consumer could not read (a corrupt message): only that may be
    /// dead-lettered. Every other consume error is about the partition or the cluster.
    /// </summary>
    private static bool IsRecordError(ConsumeException e) =>
        e.ConsumerRecord is { Offset.Value: >= 0 }
        && e.Error.Code is ErrorCode.Local_BadMsg or ErrorCode.Local_KeyDeserialization or ErrorCode.Local_ValueDeserialization;

    /// <inheritdoc />
    public void Assigned(IConsumer<byte[], byte[]> consumer, IReadOnlyList<TopicPartition> partitions)
    {
        metrics.Rebalanced("assigned");
        _owned.UnionWith(partitions);
        health.SetAssignedPartitions(consumer.Assignment.Count + partitions.Count);
        LogAssigned(logger, partitions.Count, string.Join(", ", partitions.Select(p => p.Partition.Value)));
        PartitionsAssigned?.Invoke(partitions);
    }

    /// <summary>
    /// Revoked or lost partitions: nothing of theirs in the batch being collected or in flight was committed (this runs
    /// inside Consume, and no transaction is open then), so leaving their records out of both is the whole rewind; the
    /// next owner starts from the committed offsets.
    /// </summary>
    public void Revoked(IConsumer<byte[], byte[]> consumer, IReadOnlyList<TopicPartition> partitions, bool lost)
    {
        var kind = lost ? "lost" : "revoked";
        metrics.Rebalanced(kind);
        var gone = partitions.ToHashSet();
        var dropped = 0;
        if (InFlight is { } inFlight)
        {
            // Still being processed, perhaps: it is only marked here, and its commit leaves these partitions out. The
            // handler may read the mark on its pool thread meanwhile (under the same lock).
            lock (inFlight.Dropped)
            {
                inFlight.Dropped.UnionWith(gone);
            }

            dropped += inFlight.Records.Count(r => gone.Contains(r.TopicPartition));
        }

        if (Collecting is { } collecting)
        {
            dropped += collecting.RemovePartitions(gone);
        }

        foreach (var partition in gone)
        {
            metrics.Unassigned(partition.Topic, partition.Partition.Value);
            _owned.Remove(partition);
            _firstOffsets.Remove(partition);
            _lastPartition = -1;
        }

        PartitionsGone?.Invoke(partitions);

        // A partition paused while a batch was held up would stay paused if it were assigned here again later.
        consumer.Resume(partitions);

        health.SetAssignedPartitions(Math.Max(0, consumer.Assignment.Count - gone.Count));
        LogRevoked(logger, kind, gone.Count, dropped);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The consumer failed fatally ({Code}: {Reason}); the scorer stops.")]
    private static partial void LogFatal(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped record {Record} of a partition this instance no longer owns; its owner reads it.")]
    private static partial void LogNotOwned(ILogger logger, string record);

    [LoggerMessage(Level = LogLevel.Information, Message = "Assigned {Count} partitions: {Partitions}.")]
    private static partial void LogAssigned(ILogger logger, int count, string partitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partitions {Kind}: {Count}; {Dropped} uncommitted records dropped from the batches (the next owner redoes them).")]
    private static partial void LogRevoked(ILogger logger, string kind, int count, int dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition-level consume error at {Position} ({Code}: {Reason}); nothing skipped, the consumer retries.")]
    private static partial void LogPartitionError(ILogger logger, string position, ErrorCode code, string reason);
}
