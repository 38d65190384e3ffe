using System.Globalization;
using Confluent.Kafka;
using FraudStream.Streaming.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>What became of a batch handed to <see cref="TransactionalCommitter.Commit"/>.</summary>
internal enum CommitResult
{
    /// <summary>Its outputs, dead letters and offsets are committed.</summary>
    Committed,

    /// <summary>Every partition of the batch was revoked: nothing of it was ours to commit, no transaction opened.</summary>
    Empty,

    /// <summary>
    /// Aborted, or its outcome is unknown (the producer was rebuilt): the caller must seek every assigned partition to
    /// the group's committed offsets read from the broker.
    /// </summary>
    Rewind,

    /// <summary>Another live instance holds this transactional.id: this one must stop.</summary>
    Fenced,

    /// <summary>Stopped (shutdown budget spent, or stopped while rebuilding); the next instance resolves the transaction.</summary>
    Stopped,
}

/// <summary>
/// Owns the transactional producer: InitTransactions at start and on rebuild, one transaction per batch (outputs, dead
/// letters, the batch's next offsets), and the recovery contract of librdkafka's transactional API — a retriable error
/// means "call again", an abortable one "abort", a fatal one "rebuild", a fence "stop".
/// </summary>
internal sealed partial class TransactionalCommitter(
    IKafkaClientFactory clients,
    IBatchHandler handler,
    IOptions<ScorerOptions> options,
    ScorerMetrics metrics,
    ScorerHealth health,
    TimeProvider time,
    ILogger<TransactionalCommitter> logger) : IDisposable
{
    private static readonly TimeSpan s_callTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_shortestCall = TimeSpan.FromMilliseconds(100);
    private readonly ScorerOptions _options = options.Value;
    private readonly int _maxMessageBytes = options.Value.Producer.TryGetValue("message.max.bytes", out var max)
        && int.TryParse(max, NumberStyles.Integer, CultureInfo.InvariantCulture, out var bytes) ? bytes : 1_000_000; // librdkafka's default
    private IProducer<byte[], byte[]>? _producer;
    private long _stopBy = long.MaxValue;

    /// <summary>False once the producer is gone (fenced, or stopped while rebuilding): nothing more can be committed.</summary>
    public bool CanCommit => _producer is not null;

    /// <summary>Builds the producer and runs InitTransactions (fencing a zombie with the same id, aborting its transaction); false when stopped first.</summary>
    public bool Start(CancellationToken stop) => StartProducer(stop);

    /// <summary>From now on, give up on the cluster at <paramref name="timestamp"/> (<see cref="TimeProvider.GetTimestamp"/>): the shutdown budget.</summary>
    public void StopBy(long timestamp) => Interlocked.Exchange(ref _stopBy, timestamp);

    /// <summary>Serves the producer's error and log callbacks (background polling is off).</summary>
    public void Poll() => _producer?.Poll(TimeSpan.Zero);

    /// <summary>Commits the batch in one transaction, recovering as librdkafka's contract says when that fails.</summary>
    public CommitResult Commit(IConsumer<byte[], byte[]> consumer, RecordBatch batch, CancellationToken stop)
    {
        var offsets = batch.NextOffsets();
        if (offsets.Count == 0)
        {
            return CommitResult.Empty;
        }

        var producer = _producer ?? throw new InvalidOperationException("Commit before Start.");
        var begun = time.GetTimestamp();
        try
        {
            producer.BeginTransaction();
            handler.Produce(batch, producer);
            foreach (var (row, reason, error) in batch.Rejected)
            {
                if (batch.Keeps(row))
                {
                    producer.Produce(_options.DeadLetterTopic, DeadLetterHeaders.Letter(batch.Records[row], reason, error, _maxMessageBytes));
                }
            }

            CallAgainWhileRetriable(() => producer.SendOffsetsToTransaction(offsets, consumer.ConsumerGroupMetadata, CallTimeout(begun)), begun, "SendOffsetsToTransaction");
            CallAgainWhileRetriable(() => producer.CommitTransaction(CallTimeout(begun)), begun, "CommitTransaction");
            return CommitResult.Committed;
        }
        catch (KafkaException e) when (TransactionErrors.IsFenced(e.Error))
        {
            return Fenced(batch, e.Error);
        }
        catch (KafkaException e) when (e.Error.IsFatal)
        {
            LogRebuilding(logger, e.Error.Code, e.Error.Reason);
            Aborted(batch, "fatal");
            return Rebuild(stop);
        }
        catch (KafkaRetriableException e)
        {
            // Still retriable when the transaction timeout (or the shutdown budget) ran out: the commit may have reached
            // the coordinator. A new producer's InitTransactions completes or aborts it; the broker then knows.
            LogAmbiguous(logger, e.Error.Code, e.Error.Reason);
            Aborted(batch, "ambiguous");
            return Rebuild(stop);
        }
        catch (KafkaException e)
        {
            LogAborting(logger, e.Error.Code, e.Error.Reason);
            Aborted(batch, e is KafkaTxnRequiresAbortException ? "requires_abort" : "error");
            return Abort(batch, producer, begun, stop);
        }
    }

    /// <summary>
    /// Calls a transactional operation again while it fails with a retriable error (librdkafka resumes the operation
    /// in progress), until the transaction timeout since the batch began, or the shutdown budget, runs out.
    /// </summary>
    private void CallAgainWhileRetriable(Action operation, long begun, string name)
    {
        while (true)
        {
            try
            {
                operation();
                return;
            }
            catch (KafkaRetriableException e) when (!Expired(begun))
            {
                metrics.CommitRetried();
                LogRetry(logger, name, e.Error.Code, e.Error.Reason);
            }
        }
    }

    /// <summary>Aborts the transaction, calling again after a timeout; a producer that cannot abort is rebuilt.</summary>
    private CommitResult Abort(RecordBatch batch, IProducer<byte[], byte[]> producer, long begun, CancellationToken stop)
    {
        try
        {
            CallAgainWhileRetriable(() => producer.AbortTransaction(CallTimeout(begun)), begun, "AbortTransaction");
            return CommitResult.Rewind;
        }
        catch (KafkaException e) when (TransactionErrors.IsFenced(e.Error))
        {
            return Fenced(batch, e.Error);
        }
        catch (KafkaException e)
        {
            LogAbortFailed(logger, e.Error.Code, e.Error.Reason);
            return Rebuild(stop);
        }
    }

    /// <summary>Counts an abort and marks the batch's span with it.</summary>
    private void Aborted(RecordBatch batch, string reason)
    {
        metrics.Aborted(reason);
        ScorerTracing.Aborted(batch.Trace, reason);
    }

    private CommitResult Fenced(RecordBatch batch, Error error)
    {
        var problem = $"Another scorer instance took over transactional id '{_options.TransactionalId}' ({error.Code}): this instance stops; give every instance its own Scorer:TransactionalId.";
        LogFenced(logger, problem);
        Aborted(batch, "fenced");
        health.SetFenced(problem);
        DisposeProducer();
        return CommitResult.Fenced;
    }

    /// <summary>Replaces the producer with a new one under the same transactional.id; Stopped when shutting down.</summary>
    private CommitResult Rebuild(CancellationToken stop)
    {
        DisposeProducer();
        if (!StartProducer(stop))
        {
            return CommitResult.Stopped; // stopping: the next instance's InitTransactions resolves the open transaction
        }

        metrics.ProducerRebuilt();
        return CommitResult.Rewind;
    }

    private bool StartProducer(CancellationToken stop)
    {
        health.SetProducerReady(false);
        var backoff = new Backoff(time);
        while (!stop.IsCancellationRequested)
        {
            var producer = clients.CreateProducer();
            try
            {
                producer.InitTransactions(InitTimeout());
                _producer = producer;
                health.SetProducerReady(true);
                return true;
            }
            catch (KafkaException e)
            {
                producer.Dispose();
                LogInitFailed(logger, _options.TransactionalId, e.Error.Code, e.Error.Reason, backoff.Delay.TotalSeconds);
                if (backoff.Wait(stop))
                {
                    return false;
                }
            }
        }

        return false;
    }

    /// <summary>True once the transaction timeout since <paramref name="begun"/>, or the shutdown budget, has run out.</summary>
    private bool Expired(long begun) =>
        time.GetElapsedTime(begun) >= _options.TransactionTimeout || time.GetTimestamp() >= Interlocked.Read(ref _stopBy);

    /// <summary>
    /// One call's timeout: a quarter of the transaction timeout (at most 30 s), so a call that times out is called again
    /// a few times before the transaction timeout ends the wait; never more than what is left of it or of the shutdown budget.
    /// </summary>
    private TimeSpan CallTimeout(long begun)
    {
        var quarter = _options.TransactionTimeout / 4;
        return WithinBudget(Min(quarter < s_callTimeout ? quarter : s_callTimeout, _options.TransactionTimeout - time.GetElapsedTime(begun)));
    }

    /// <summary>InitTransactions' timeout: 30 s, or what is left of the shutdown budget once a stop was asked for.</summary>
    private TimeSpan InitTimeout() => WithinBudget(s_callTimeout);

    /// <summary><paramref name="timeout"/>, cut to what is left of the shutdown budget once a stop was asked for; at least 100 ms.</summary>
    private TimeSpan WithinBudget(TimeSpan timeout)
    {
        var stopBy = Interlocked.Read(ref _stopBy);
        if (stopBy != long.MaxValue)
        {
            timeout = Min(timeout, time.GetElapsedTime(time.GetTimestamp(), stopBy));
        }

        return timeout > s_shortestCall ? timeout : s_shortestCall;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private void DisposeProducer()
    {
        health.SetProducerReady(false);
        _producer?.Dispose();
        _producer = null;
    }

    /// <inheritdoc />
    public void Dispose() => DisposeProducer();

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} failed with a retriable error ({Code}: {Reason}); calling it again.")]
    private static partial void LogRetry(ILogger logger, string operation, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Aborting the batch's transaction ({Code}: {Reason}); the batch is redone from the committed offsets.")]
    private static partial void LogAborting(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The commit's outcome is unknown ({Code}: {Reason}); rebuilding the producer, whose InitTransactions settles it, then resuming from the committed offsets.")]
    private static partial void LogAmbiguous(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The producer failed fatally ({Code}: {Reason}); rebuilding it with the same transactional id and resuming from the committed offsets.")]
    private static partial void LogRebuilding(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not abort the transaction ({Code}: {Reason}); rebuilding the producer.")]
    private static partial void LogAbortFailed(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Problem}")]
    private static partial void LogFenced(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "InitTransactions for {TransactionalId} failed ({Code}: {Reason}); retrying in {Seconds} s.")]
    private static partial void LogInitFailed(ILogger logger, string transactionalId, ErrorCode code, string reason, double seconds);
}
