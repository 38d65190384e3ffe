using Confluent.Kafka;
using FraudStream.Streaming.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>
/// The exactly-once consume → process → produce loop, wiring the engine's parts: each batch is one Kafka
/// transaction holding its outputs, its dead letters and the group's next offsets, so a batch's output and its "done"
/// mark commit together or not at all; after a crash, an abort or an unknown commit outcome the batch is redone from
/// the committed offsets the broker holds.
/// </summary>
/// <remarks>
/// The loop runs on its own thread because Consume blocks. A batch is processed (<see cref="IBatchHandler.Process"/>)
/// on a pool thread while the next one is collected (<see cref="BatchCollector"/>); it is committed
/// (<see cref="TransactionalCommitter"/>) between two Consume calls, so rebalance callbacks, which run inside Consume,
/// never meet an open transaction. Three batches at most: one collected, one processed, one committed.
/// </remarks>
public sealed partial class ExactlyOnceProcessor : BackgroundService
{
    private static readonly TimeSpan s_lagInterval = TimeSpan.FromSeconds(1);

    private readonly ScorerOptions _options;
    private readonly IKafkaClientFactory _clients;
    private readonly IBatchHandler _handler;
    private readonly IEnumerable<IStartupCheck> _checks;
    private readonly BatchCollector _collector;
    private readonly TransactionalCommitter _committer;
    private readonly CommittedOffsetRewind _rewind;
    private readonly ScorerMetrics _metrics;
    private readonly ScorerHealth _health;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<ExactlyOnceProcessor> _logger;
    private readonly Stack<RecordBatch> _free = new();
    private readonly RecordBytes _recordBytes;
    private RecordBatch _collecting;
    private (RecordBatch Batch, Task<bool> Work)? _inFlight;
    private long _lastLagUpdate;

    /// <summary>Creates the loop over its parts.</summary>
    public ExactlyOnceProcessor(
        IOptions<ScorerOptions> options,
        IKafkaClientFactory clients,
        IBatchHandler handler,
        IEnumerable<IStartupCheck> checks,
        ScorerMetrics metrics,
        ScorerHealth health,
        TimeProvider time,
        IHostApplicationLifetime lifetime,
        ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        _options = options.Value;
        _clients = clients;
        _handler = handler;
        _checks = checks;
        _metrics = metrics;
        _health = health;
        _time = time;
        _lifetime = lifetime;
        _logger = loggers.CreateLogger<ExactlyOnceProcessor>();
        _collector = new BatchCollector(options, metrics, health, time, loggers.CreateLogger<BatchCollector>())
        {
            PartitionsAssigned = handler.PartitionsAssigned,
            PartitionsGone = handler.PartitionsGone,
        };
        _committer = new TransactionalCommitter(clients, handler, options, metrics, health, time, loggers.CreateLogger<TransactionalCommitter>());
        _rewind = new CommittedOffsetRewind(options, metrics, time, loggers.CreateLogger<CommittedOffsetRewind>());
        _free.Push(new RecordBatch(handler.CreateWork()));
        _free.Push(new RecordBatch(handler.CreateWork()));
        _collecting = new RecordBatch(handler.CreateWork());
        // As many arrays as three full batches hold: a key and a value a record.
        _recordBytes = new RecordBytes(capacity: 3 * 2 * _options.BatchSize);
        _collector.Collecting = _collecting;
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stop)
    {
        if (!_handler.Prepare(stop))
        {
            return;
        }

        using var consumer = _clients.CreateConsumer(_collector, _recordBytes);
        try
        {
            if (!_committer.Start(stop) || StoppedByStartupCheck(consumer))
            {
                return;
            }

            // The shutdown budget: from the stop signal, the last commit (retries included) must end within it.
            using var budget = stop.Register(() => _committer.StopBy(_time.GetTimestamp() + (long)(_options.ShutdownTimeout.TotalSeconds * _time.TimestampFrequency)));
            consumer.Subscribe(_options.InputTopic);
            LogStarted(_logger, _options.InputTopic, _options.GroupId, _options.TransactionalId, _options.BatchSize, _options.Linger.TotalMilliseconds);
            while (Step(consumer, stop))
            {
                UpdateLag(consumer);
                _committer.Poll();
            }

            if (_collector.FatalError is { } fatal)
            {
                StopOnFatalConsumerError(fatal);
            }
            else if (_committer.CanCommit)
            {
                // A batch in flight is committed even when a stop was requested; the one being collected is left to the next owner.
                FinishInFlight(consumer, stop);
            }
        }
        finally
        {
            DiscardPipeline(consumer);
            _committer.Dispose();
            CloseConsumer(consumer);
        }
    }

    /// <summary>One turn of the loop: collect, then hand the collected batch to processing and commit the previous one. False to stop.</summary>
    private bool Step(IConsumer<byte[], byte[]> consumer, CancellationToken stop)
    {
        switch (_collector.Collect(consumer, _inFlight?.Work, stop))
        {
            case CollectOutcome.Stopped:
                return false;
            case CollectOutcome.Idle:
                return true;
            case CollectOutcome.InFlightDone:
                return FinishInFlight(consumer, stop);
        }

        // Ready: wait for the batch in flight, start processing this one, and commit that one meanwhile.
        var previous = TakeProcessed(consumer, out var ok);
        if (!ok)
        {
            return false;
        }

        StartProcessing(stop);
        return previous is null || CommitProcessed(consumer, previous, stop);
    }

    /// <summary>Waits for the batch in flight (polling the consumer meanwhile) and commits it. False to stop.</summary>
    private bool FinishInFlight(IConsumer<byte[], byte[]> consumer, CancellationToken stop)
    {
        var processed = TakeProcessed(consumer, out var ok);
        return ok && (processed is null || CommitProcessed(consumer, processed, stop));
    }

    /// <summary>
    /// Takes the batch in flight once processed (null when none). While it is still being processed (a registry outage
    /// holds it up) the consumer keeps being polled with its partitions paused, so the member stays in the group.
    /// <paramref name="ok"/> is false when processing stopped on a stop request.
    /// </summary>
    private RecordBatch? TakeProcessed(IConsumer<byte[], byte[]> consumer, out bool ok)
    {
        ok = true;
        if (_inFlight is not { } inFlight)
        {
            return null;
        }

        _collector.PollUntil(consumer, inFlight.Work);
        _inFlight = null;
        _collector.InFlight = null;
        if (inFlight.Work.IsFaulted || !inFlight.Work.Result)
        {
            Recycle(inFlight.Batch);
            ok = false;
            // A failed batch is a bug (or the model unloaded): it surfaces here, and Run's finally still closes the clients.
            inFlight.Work.GetAwaiter().GetResult();
            return null;
        }

        return inFlight.Batch;
    }

    /// <summary>Hands the collected batch to a pool thread for processing; a free batch collects next.</summary>
    private void StartProcessing(CancellationToken stop)
    {
        if (_collecting.Count == 0)
        {
            return;
        }

        _metrics.Consumed(_collecting.Count);
        var batch = _collecting;
        _collecting = _free.Pop();
        _collector.Collecting = _collecting;
        _collector.InFlight = batch;
        batch.Trace = ScorerTracing.StartBatch(_options.InputTopic, batch.Count);
        _inFlight = (batch, Task.Run(() => _handler.Process(batch, stop), CancellationToken.None));
    }

    /// <summary>Commits a processed batch; after an abort or an unknown outcome, everything uncommitted is redone from the broker's offsets. False to stop.</summary>
    private bool CommitProcessed(IConsumer<byte[], byte[]> consumer, RecordBatch batch, CancellationToken stop)
    {
        try
        {
            if (_collector.FatalError is not null)
            {
                return false; // the consumer failed while the batch was being processed: its group metadata is void
            }

            var started = _time.GetTimestamp();
            switch (_committer.Commit(consumer, batch, stop))
            {
                case CommitResult.Committed:
                    Committed(batch, _time.GetElapsedTime(started));
                    return true;
                case CommitResult.Empty:
                    return true;
                case CommitResult.Rewind:
                    DiscardPipeline(consumer);
                    _handler.Rewound();
                    // Stopping: the next owner starts from the committed offsets anyway; the budget is not spent on a rewind.
                    return !stop.IsCancellationRequested && _rewind.Rewind(consumer, _collector.FirstOffsetSinceAssigned, stop);
                case CommitResult.Fenced:
                    _lifetime.StopApplication();
                    return false;
                default:
                    return false;
            }
        }
        finally
        {
            Recycle(batch);
        }
    }

    private void Committed(RecordBatch batch, TimeSpan commitTime)
    {
        var committedAt = _time.GetUtcNow();
        _metrics.BatchCommitted(batch.Count, commitTime);
        if (batch.Trace is { } trace)
        {
            ScorerTracing.Committed(trace, batch.Rejected.Count(r => batch.Keeps(r.Row)));
        }
        _handler.Committed(batch, committedAt);
        foreach (var (reason, count) in batch.Rejected.Where(r => batch.Keeps(r.Row)).CountBy(r => r.Reason))
        {
            _metrics.DeadLettered(reason, count);
        }

        for (var row = 0; row < batch.Count; row++)
        {
            if (batch.Keeps(row))
            {
                _metrics.EndToEnd(committedAt - batch.Records[row].Message.Timestamp.UtcDateTime);
            }
        }
    }

    /// <summary>Forgets the batch in flight (once its processing is done) and the one being collected: they are redone.</summary>
    private void DiscardPipeline(IConsumer<byte[], byte[]> consumer)
    {
        if (_inFlight is { } inFlight)
        {
            _collector.PollUntil(consumer, inFlight.Work);
            _inFlight = null;
            _collector.InFlight = null;
            Recycle(inFlight.Batch);
        }

        Empty(_collecting);
    }

    /// <summary>Puts a batch that is done with (committed, aborted or discarded) back among the free ones, emptied.</summary>
    private void Recycle(RecordBatch batch)
    {
        Empty(batch);
        _free.Push(batch);
    }

    /// <summary>
    /// Gives a batch's arrays back and empties it, in one step: an array given back while its record stayed in the
    /// batch would be given back again later, and two records would then share it.
    /// </summary>
    private void Empty(RecordBatch batch)
    {
        _recordBytes.Return(batch.Records);
        batch.Clear();
    }

    /// <summary>
    /// A consumer that failed fatally cannot commit anything more: its uncommitted batches are left to the next owner.
    /// FENCED_INSTANCE_ID means another live instance joined with this one's group.instance.id (its transactional id).
    /// </summary>
    private void StopOnFatalConsumerError(Error fatal)
    {
        if (fatal.Code == ErrorCode.FencedInstanceId || fatal.Reason.Contains("FENCED_INSTANCE_ID", StringComparison.Ordinal))
        {
            var problem = $"Another scorer instance joined the group as '{_options.TransactionalId}' (FENCED_INSTANCE_ID): this instance stops; give every instance its own Scorer:TransactionalId.";
            LogConfigurationProblem(_logger, problem);
            _health.SetFenced(problem);
        }

        _lifetime.StopApplication();
    }

    private bool StoppedByStartupCheck(IConsumer<byte[], byte[]> consumer)
    {
        foreach (var check in _checks)
        {
            if (check.FindProblem(consumer) is { } problem)
            {
                LogConfigurationProblem(_logger, problem);
                _health.SetConfigurationProblem(problem);
                _lifetime.StopApplication();
                return true;
            }
        }

        return false;
    }

    private void CloseConsumer(IConsumer<byte[], byte[]> consumer)
    {
        try
        {
            consumer.Close(); // leaves the group now (unless static), so the partitions move without waiting for the session timeout
        }
        catch (KafkaException e)
        {
            LogCloseFailed(_logger, e.Error.Code, e.Error.Reason);
        }

        _health.SetAssignedPartitions(0);
        LogStopped(_logger);
    }

    private void UpdateLag(IConsumer<byte[], byte[]> consumer)
    {
        if (_time.GetElapsedTime(_lastLagUpdate) < s_lagInterval)
        {
            return;
        }

        _lastLagUpdate = _time.GetTimestamp();
        foreach (var partition in consumer.Assignment)
        {
            var watermarks = consumer.GetWatermarkOffsets(partition);
            var position = consumer.Position(partition);
            if (watermarks.High.Value >= 0 && position.Value >= 0)
            {
                _metrics.Lag(partition.Topic, partition.Partition.Value, Math.Max(0, watermarks.High.Value - position.Value));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Scoring {Topic} in group {Group} as transactional id {TransactionalId}: batches of up to {BatchSize} records, linger {LingerMs} ms.")]
    private static partial void LogStarted(ILogger logger, string topic, string group, string transactionalId, int batchSize, double lingerMs);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Problem}")]
    private static partial void LogConfigurationProblem(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing the consumer failed ({Code}: {Reason}).")]
    private static partial void LogCloseFailed(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scorer stopped; consumer closed.")]
    private static partial void LogStopped(ILogger logger);
}
