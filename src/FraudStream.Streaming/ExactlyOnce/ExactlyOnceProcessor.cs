using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text;
using Confluent.Kafka;
using FraudStream.Avro;
using FraudStream.Avro.Registry;
using FraudStream.Streaming.Scoring;
using FraudStream.Streaming.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Transaction = FraudStream.Core.Transactions.Transaction;

namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>
/// The exactly-once consume → score → produce loop (DESIGN.md §3). Each batch is one Kafka transaction holding its
/// alerts, its dead-lettered records and the group's next offsets, so a batch's output and its "done" mark commit
/// together or not at all; a crash, an abort or a fenced producer means the batch is redone from the committed offsets.
/// </summary>
/// <remarks>
/// The loop runs on its own thread because Consume blocks; batches are decoded and scored on a pool thread meanwhile
/// (<see cref="StartScoring"/>). A transaction is open only inside Commit, which runs between two Consume calls, so
/// rebalance callbacks (which run inside Consume) never see one open: revoked or lost partitions are cut from the batch
/// being collected and marked dropped in the batch in flight, whose commit leaves them out.
/// </remarks>
public sealed partial class ExactlyOnceProcessor(
    IOptions<ScorerOptions> options,
    IOptions<ModelFollowerOptions> modelOptions,
    LiveModel live,
    ISchemaRegistry schemaRegistry,
    ScorerMetrics metrics,
    ScorerHealth health,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<ExactlyOnceProcessor> logger) : BackgroundService
{
    private static readonly TimeSpan s_kafkaTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_idlePoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_scoringPoll = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan s_lagInterval = TimeSpan.FromSeconds(1);
    private const int MaxCommitAttempts = 5;
    private const string ConsumeErrorReason = "consume_error";

    private readonly ScorerOptions _options = options.Value;
    private readonly TransactionMessageCodec _codec = new(schemaRegistry, new TransactionAvroCodec());
    private readonly FraudAlertAvroCodec _alertCodec = new();
    private readonly TransactionScoreAvroCodec _scoreCodec = new();
    private readonly ArrayBufferWriter<byte> _valueBuffer = new(512);
    private readonly Dictionary<TopicPartition, (long First, long Last)> _ranges = [];
    private readonly int _maxMessageBytes = options.Value.Producer.TryGetValue("message.max.bytes", out var max)
        && int.TryParse(max, NumberStyles.Integer, CultureInfo.InvariantCulture, out var bytes) ? bytes : 1_000_000; // librdkafka's default
    private static readonly Dictionary<DecodeFailure, string> s_reasonNames =
        Enum.GetValues<DecodeFailure>().ToDictionary(f => f, f => JsonNamingPolicy.SnakeCaseLower.ConvertName(f.ToString()));
    // Three batches at most: one collected, one scored on a pool thread, one committed.
    private readonly Stack<PipelinedBatch> _free = new([new(modelOptions.Value.TopFeatures), new(modelOptions.Value.TopFeatures)]);
    private PipelinedBatch _collecting = new(modelOptions.Value.TopFeatures);
    private InFlight? _inFlight;
    private IProducer<byte[], byte[]>? _producer;
    private int _alertSchemaId;
    private int _scoreSchemaId;
    private long _lastLagUpdate;

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stop)
    {
        try
        {
            LogWaitingForModel(logger);
            live.Loaded.Wait(stop);
            _alertSchemaId = RegisterSchema(_options.AlertsTopic, "fraud_alert.avsc", stop);
            if (_options.ScoredTopic is { Length: > 0 } scoredTopic)
            {
                _scoreSchemaId = RegisterSchema(scoredTopic, "transaction_score.avsc", stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return;
        }

        using var consumer = BuildConsumer();
        _producer = StartProducer(stop);
        if (_producer is null)
        {
            return; // stopped while the cluster was unreachable
        }

        if (MissingTopic(consumer) is { } problem)
        {
            LogConfigurationProblem(logger, problem);
            health.SetConfigurationProblem(problem);
            _producer.Dispose();
            _producer = null;
            health.SetProducerReady(false);
            lifetime.StopApplication();
            return;
        }

        try
        {
            consumer.Subscribe(_options.InputTopic);
            LogStarted(logger, _options.InputTopic, _options.GroupId, _options.TransactionalId, _options.BatchSize, _options.Linger.TotalMilliseconds);
            while (!stop.IsCancellationRequested)
            {
                // The batch in flight is scored on a pool thread while the next one is collected here. Once scored it
                // is committed here, between two Consume calls: inline if the next batch is not full yet, else right
                // after that one is handed to scoring.
                CollectBatch(consumer, stop);
                if (_producer is null || !TakeScored(out var scored))
                {
                    break;
                }

                // The next batch is scored while this one commits.
                if (_collecting.Count > 0)
                {
                    StartScoring(stop);
                }

                if (scored is not null && !CommitScored(consumer, scored, stop))
                {
                    break;
                }

                UpdateLag(consumer);

                // Background polling is off (below): serve the producer's error and log callbacks between batches.
                _producer.Poll(TimeSpan.Zero);
            }

            // A batch already collected is finished even when a stop was requested: it is at most one linger old.
            FinishInFlight(consumer, stop);
        }
        finally
        {
            // A scoring failure has already surfaced from FinishInFlight; here the pool thread is only waited for.
            if (_inFlight is { } pending)
            {
                pending.Scoring.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Wait(CancellationToken.None);
                pending.Batch.Clear();
            }

            _collecting.Clear();
            _producer?.Dispose();
            health.SetProducerReady(false);
            CloseConsumer(consumer);
        }
    }

    /// <summary>
    /// Fills the collecting batch until it holds BatchSize records or Linger has passed since its first record. The
    /// batch in flight is committed between two Consume calls once scored, so no transaction is open during Consume
    /// and rebalance callbacks never meet one.
    /// </summary>
    private void CollectBatch(IConsumer<byte[], byte[]> consumer, CancellationToken stop)
    {
        long firstAt = 0;
        while (_collecting.Count < _options.BatchSize && !stop.IsCancellationRequested)
        {
            if (_inFlight is { Scoring.IsCompleted: true } && !FinishInFlight(consumer, stop))
            {
                return;
            }

            var wait = s_idlePoll;
            if (_collecting.Count > 0)
            {
                wait = _options.Linger - time.GetElapsedTime(firstAt);
                if (wait <= TimeSpan.Zero)
                {
                    break;
                }

                wait = wait < s_idlePoll ? wait : s_idlePoll;
            }

            if (_inFlight is not null)
            {
                wait = wait < s_scoringPoll ? wait : s_scoringPoll; // come back soon to commit the batch in flight
            }

            ConsumeResult<byte[], byte[]>? record;
            try
            {
                record = consumer.Consume(wait);
            }
            catch (ConsumeException e) when (e.ConsumerRecord is { Offset.Value: >= 0 } bad)
            {
                // The position is already past the bad record: it is dead-lettered in this batch's transaction.
                record = bad;
                record.Message ??= new Message<byte[], byte[]> { Value = [] };
                _collecting.Rejected.Add((_collecting.Count, ConsumeErrorReason, e));
            }
            catch (ConsumeException e)
            {
                LogConsumeError(logger, e.Error.Code, e.Error.Reason);
                continue;
            }

            if (record is null || record.IsPartitionEOF)
            {
                if (_collecting.Count == 0 && _inFlight is null)
                {
                    return; // idle: let the loop do its housekeeping (lag) and check for a stop
                }

                continue;
            }

            if (_collecting.Count == 0)
            {
                firstAt = time.GetTimestamp();
            }

            _collecting.Records.Add(record);
        }
    }

    /// <summary>Hands the collected batch to a pool thread for decoding and scoring; a free batch collects next.</summary>
    private void StartScoring(CancellationToken stop)
    {
        Debug.Assert(_inFlight is null, "one batch in flight at a time");
        metrics.Consumed(_collecting.Count);
        var batch = _collecting;
        _collecting = _free.Pop();
        _inFlight = new InFlight(batch, Task.Run(() => Score(batch, stop), CancellationToken.None));
    }

    /// <summary>Decodes and scores a batch (on a pool thread); false when stopped during a registry outage.</summary>
    private bool Score(PipelinedBatch batch, CancellationToken stop)
    {
        var started = time.GetTimestamp();
        if (_options.PassThrough)
        {
            batch.Rejected.Clear(); // the pass-through produces nothing
        }
        else if (!Decode(batch, stop))
        {
            return false; // nothing was produced; the batch is redone after restart
        }

        if (!live.TryAcquire(out var lease))
        {
            throw new InvalidOperationException("The model was unloaded while the scorer was running.");
        }

        batch.Lease = lease;
        batch.Scored = batch.Scorer.Score(lease.Model, batch.Transactions); // empty in pass-through mode: no native call
        batch.ScoringTime = time.GetElapsedTime(started);
        return true;
    }

    /// <summary>Waits for the batch in flight and commits it. False when the loop must stop (no producer left, or stopped).</summary>
    private bool FinishInFlight(IConsumer<byte[], byte[]> consumer, CancellationToken stop) =>
        _producer is not null && TakeScored(out var scored) && (scored is null || CommitScored(consumer, scored, stop));

    /// <summary>
    /// Waits for the batch in flight to be scored and takes it (null when none is in flight). False when it was stopped
    /// during a registry outage: the loop must stop, and the batch is redone after restart.
    /// </summary>
    private bool TakeScored(out PipelinedBatch? scored)
    {
        scored = null;
        if (_inFlight is not { } pending)
        {
            return true;
        }

        var done = pending.Scoring.GetAwaiter().GetResult();
        _inFlight = null;
        if (!done)
        {
            Recycle(pending.Batch);
            return false;
        }

        scored = pending.Batch;
        return true;
    }

    /// <summary>
    /// Commits a scored batch. A failed commit is aborted (or the producer rebuilt) and the batch, the one in flight
    /// and the one being collected are redone from the committed offsets. False when stopped while rebuilding.
    /// </summary>
    private bool CommitScored(IConsumer<byte[], byte[]> consumer, PipelinedBatch batch, CancellationToken stop)
    {
        try
        {
            var commitStarted = time.GetTimestamp();
            switch (CommitOrRecover(consumer, batch, stop))
            {
                case CommitOutcome.Stopped:
                    return false;
                case CommitOutcome.Redone or CommitOutcome.Empty:
                    return true;
            }

            var committedAt = time.GetUtcNow();
            metrics.BatchCommitted(batch.Count, batch.Scored.Rows, batch.Scored.AlertCount, batch.ScoringTime, time.GetElapsedTime(commitStarted));
            if (batch.Rejected.Count > 0)
            {
                foreach (var (reason, count) in batch.Rejected.Where(r => batch.Keeps(r.Row)).CountBy(r => r.Reason))
                {
                    metrics.DeadLettered(reason, count);
                }
            }

            for (var row = 0; row < batch.Count; row++)
            {
                if (batch.Keeps(row))
                {
                    metrics.EndToEnd(committedAt - batch.Records[row].Message.Timestamp.UtcDateTime);
                }
            }

            return true;
        }
        finally
        {
            Recycle(batch);
        }
    }

    private void Recycle(PipelinedBatch batch)
    {
        batch.Clear();
        _free.Push(batch);
    }

    private enum CommitOutcome
    {
        Committed,
        Empty, // every partition of the batch was revoked: no transaction
        Redone,
        Stopped,
    }

    /// <summary>The batch being scored on a pool thread; <see cref="Scoring"/> is false when stopped during a registry outage.</summary>
    private sealed record InFlight(PipelinedBatch Batch, Task<bool> Scoring);

    /// <summary>
    /// Commits the batch. On failure aborts the transaction (rebuilding the producer when it cannot abort or was fenced)
    /// and rewinds, so the batch and the ones in flight and being collected are redone; Stopped when stopped while rebuilding.
    /// </summary>
    private CommitOutcome CommitOrRecover(IConsumer<byte[], byte[]> consumer, PipelinedBatch batch, CancellationToken stop)
    {
        var producer = _producer!;
        try
        {
            return Commit(consumer, producer, batch) ? CommitOutcome.Committed : CommitOutcome.Empty;
        }
        catch (KafkaException e) when (TransactionErrors.IsFenced(e.Error))
        {
            LogFenced(logger, _options.TransactionalId, e.Error.Code, e.Error.Reason);
            metrics.Aborted("fenced");
            producer.Dispose();
            _producer = StartProducer(stop);
        }
        catch (KafkaTxnRequiresAbortException e)
        {
            LogAborting(logger, e.Error.Code, e.Message);
            _producer = AbortOrRebuild(producer, "requires_abort", stop);
        }
        catch (KafkaException e)
        {
            LogAborting(logger, e.Error.Code, e.Message);
            _producer = AbortOrRebuild(producer, "error", stop);
        }

        Rewind(consumer, batch);
        return _producer is null ? CommitOutcome.Stopped : CommitOutcome.Redone;
    }

    /// <summary>
    /// Decodes the batch's records into transactions; undecodable ones are rejected with their reason. A registry outage
    /// is not a bad record: the whole batch waits, with back-off, until the registry answers. False when stopped while waiting.
    /// </summary>
    private bool Decode(PipelinedBatch batch, CancellationToken stop)
    {
        List<(int Row, string Reason, Exception Error)> consumeErrors = batch.Rejected.Count == 0 ? [] : [.. batch.Rejected.Where(r => r.Reason == ConsumeErrorReason)];
        var backoff = new Backoff();
        while (true)
        {
            batch.Transactions.Clear();
            batch.TransactionRows.Clear();
            batch.Rejected.Clear();
            batch.Rejected.AddRange(consumeErrors);
            try
            {
                for (var row = 0; row < batch.Count; row++)
                {
                    if (consumeErrors.Count > 0 && consumeErrors.Exists(r => r.Row == row))
                    {
                        continue;
                    }

                    try
                    {
                        batch.Transactions.Add(DecodeOne(batch.Records[row].Message.Value));
                        batch.TransactionRows.Add(row);
                    }
                    catch (AvroDecodingException e)
                    {
                        batch.Rejected.Add((row, ReasonName(e.Reason), e));
                    }
                }

                return true;
            }
            catch (SchemaRegistryUnavailableException e)
            {
                metrics.RegistryRetry();
                LogRegistryUnavailable(logger, e.Message, backoff.Delay.TotalSeconds);
                if (backoff.Wait(stop))
                {
                    return false;
                }

            }
        }
    }

    private Transaction DecodeOne(byte[]? value)
    {
        if (value is null)
        {
            throw new AvroDecodingException(DecodeFailure.MissingHeader, "The record has no value (a tombstone).");
        }

        var pending = _codec.DecodeAsync(value);
        // Completes synchronously once the schema id is cached; the first record of a new schema id waits for the
        // registry on this pool thread, which has no synchronization context to deadlock.
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>
    /// Produces the batch's alerts, scores and dead letters and commits them with the batch's next offsets, leaving out
    /// partitions revoked since the batch was collected.
    /// </summary>
    private bool Commit(IConsumer<byte[], byte[]> consumer, IProducer<byte[], byte[]> producer, PipelinedBatch batch)
    {
        _ranges.Clear();
        batch.AddRanges(_ranges);
        if (_ranges.Count == 0)
        {
            return false; // every partition of the batch was revoked: nothing of it is ours to commit
        }

        var scored = batch.Scored;
        producer.BeginTransaction();
        var scoredAt = time.GetUtcNow();
        for (var a = 0; a < scored.AlertCount; a++)
        {
            var row = scored.AlertRow(a);
            var transaction = batch.Transactions[row];
            if (!batch.Keeps(batch.TransactionRows[row]))
            {
                continue;
            }

            var source = batch.Records[batch.TransactionRows[row]];

            var alert = new FraudAlert(
                transaction.TransactionId,
                transaction.CardId,
                transaction.Amount,
                scored.Score(row),
                scored.Model.Threshold,
                scored.Model.Version,
                scored.TopFeatures(a),
                source.Topic,
                source.Partition.Value,
                source.Offset.Value,
                transaction.EventTime,
                scoredAt);
            ConfluentWireFormat.WriteHeader(StartValue(), _alertSchemaId);
            _alertCodec.Encode(alert, _valueBuffer);
            ProduceValue(producer, _options.AlertsTopic, transaction.CardId);
        }

        if (_options.ScoredTopic is { Length: > 0 } scoredTopic)
        {
            ProduceScores(producer, scoredTopic, batch, scoredAt);
        }

        foreach (var (row, reason, error) in batch.Rejected)
        {
            if (!batch.Keeps(row))
            {
                continue;
            }

            producer.Produce(_options.DeadLetterTopic, DeadLetterHeaders.Letter(batch.Records[row], reason, error, _maxMessageBytes));
        }

        // Offsets are the next offset to read.
        var offsets = _ranges.Select(r => new TopicPartitionOffset(r.Key, r.Value.Last + 1)).ToList();
        producer.SendOffsetsToTransaction(offsets, consumer.ConsumerGroupMetadata, s_kafkaTimeout);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                producer.CommitTransaction(s_kafkaTimeout);
                return true;
            }
            catch (KafkaRetriableException e) when (attempt < MaxCommitAttempts)
            {
                LogCommitRetry(logger, attempt, e.Error.Code);
            }
        }
    }

    private void ProduceScores(IProducer<byte[], byte[]> producer, string topic, PipelinedBatch batch, DateTimeOffset scoredAt)
    {
        var scored = batch.Scored;
        for (var row = 0; row < scored.Rows; row++)
        {
            if (!batch.Keeps(batch.TransactionRows[row]))
            {
                continue;
            }

            var transaction = batch.Transactions[row];
            var source = batch.Records[batch.TransactionRows[row]];
            var score = scored.Score(row);
            ConfluentWireFormat.WriteHeader(StartValue(), _scoreSchemaId);
            _scoreCodec.Encode(
                new TransactionScore(
                    transaction.TransactionId,
                    transaction.CardId,
                    score,
                    scored.Model.Threshold,
                    score >= scored.Model.Threshold,
                    scored.Model.Version,
                    source.Topic,
                    source.Partition.Value,
                    source.Offset.Value,
                    transaction.EventTime,
                    scoredAt),
                _valueBuffer);
            ProduceValue(producer, topic, transaction.CardId);
        }
    }

    private ArrayBufferWriter<byte> StartValue()
    {
        _valueBuffer.ResetWrittenCount();
        return _valueBuffer;
    }

    /// <summary>Produces the value framed in the buffer, keyed by card id (one card's records stay on one partition).</summary>
    private void ProduceValue(IProducer<byte[], byte[]> producer, string topic, string cardId) =>
        producer.Produce(topic, new Message<byte[], byte[]>
        {
            Key = Encoding.UTF8.GetBytes(cardId),
            Value = _valueBuffer.WrittenSpan.ToArray(),
        });

    /// <summary>Aborts the open transaction; a producer that cannot abort is rebuilt with the same transactional.id.</summary>
    private IProducer<byte[], byte[]>? AbortOrRebuild(IProducer<byte[], byte[]> producer, string reason, CancellationToken stop)
    {
        metrics.Aborted(reason);
        try
        {
            producer.AbortTransaction(s_kafkaTimeout);
            return producer;
        }
        catch (KafkaException e)
        {
            LogAbortFailed(logger, e.Error.Code, e.Error.Reason);
            producer.Dispose();
            return StartProducer(stop);
        }
    }

    /// <summary>
    /// Seeks back to the first offsets (the committed ones) of the failed batch and of the batches in flight and being
    /// collected after it, and empties those, so all are redone.
    /// </summary>
    private void Rewind(IConsumer<byte[], byte[]> consumer, PipelinedBatch failed)
    {
        _ranges.Clear();
        failed.AddRanges(_ranges);
        if (_inFlight is { } pending)
        {
            pending.Scoring.GetAwaiter().GetResult(); // its scores are discarded; only its offsets matter now
            _inFlight = null;
            pending.Batch.AddRanges(_ranges);
            Recycle(pending.Batch);
        }

        _collecting.AddRanges(_ranges);
        _collecting.Clear();
        var assigned = consumer.Assignment.ToHashSet();
        foreach (var (partition, range) in _ranges)
        {
            if (assigned.Contains(partition))
            {
                consumer.Seek(new TopicPartitionOffset(partition, range.First));
            }
        }
    }

    /// <summary>Builds the transactional producer and runs InitTransactions (fencing any zombie with the same id), retrying while the cluster is unreachable.</summary>
    private IProducer<byte[], byte[]>? StartProducer(CancellationToken stop)
    {
        health.SetProducerReady(false);
        var backoff = new Backoff();
        while (!stop.IsCancellationRequested)
        {
            var producer = BuildProducer();
            try
            {
                producer.InitTransactions(s_kafkaTimeout);
                health.SetProducerReady(true);
                if (health.ProducerInitializations > 1)
                {
                    metrics.ProducerRebuilt(); // after fencing or a failed abort, not for start-up retries
                }

                return producer;
            }
            catch (KafkaException e)
            {
                producer.Dispose();
                LogInitFailed(logger, _options.TransactionalId, e.Error.Code, e.Error.Reason, backoff.Delay.TotalSeconds);
                if (backoff.Wait(stop))
                {
                    return null;
                }

            }
        }

        return null;
    }

    /// <summary>
    /// One sentence naming the first topic of the settings the cluster does not have, or null. Asked through the
    /// consumer, which does not create topics (allow.auto.create.topics is off unless Scorer:Consumer turns it on), so
    /// a misspelt alerts topic stops the scorer at start instead of failing every transaction. A cluster that does not
    /// answer is not a settings problem: the loop retries as usual.
    /// </summary>
    private string? MissingTopic(IConsumer<byte[], byte[]> consumer)
    {
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        foreach (var (setting, topic) in _options.Topics())
        {
            Metadata metadata;
            try
            {
                metadata = admin.GetMetadata(topic, s_kafkaTimeout);
            }
            catch (KafkaException e)
            {
                LogKafkaError(logger, "admin", e.Error.Code, e.Error.Reason);
                return null;
            }

            if (metadata.Topics.Find(t => t.Topic == topic) is not { Error.IsError: false, Partitions.Count: > 0 })
            {
                return $"The topic '{topic}' ({setting}) does not exist on the cluster at {_options.BootstrapServers}: create it, or name an existing topic in {setting}.";
            }
        }

        return null;
    }

    private int RegisterSchema(string topic, string schemaFile, CancellationToken stop)
    {
        var subject = SchemaSubjects.ForTopicValue(topic);
        var backoff = new Backoff();
        while (true)
        {
            try
            {
                return schemaRegistry.RegisterAsync(subject, EmbeddedSchemas.ReadText(schemaFile), stop).GetAwaiter().GetResult();
            }
            catch (SchemaRegistryUnavailableException e)
            {
                LogRegistryUnavailable(logger, e.Message, backoff.Delay.TotalSeconds);
                if (backoff.Wait(stop))
                {
                    throw new OperationCanceledException(stop);
                }

            }
        }
    }

    private IConsumer<byte[], byte[]> BuildConsumer()
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = _options.BootstrapServers,
            GroupId = _options.GroupId,
            ClientId = $"fraudstream-scorer-{_options.TransactionalId}",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            AutoOffsetReset = _options.AutoOffsetReset == "latest" ? AutoOffsetReset.Latest : AutoOffsetReset.Earliest,
            // librdkafka's 1 s default idles a fast reader whenever its prefetch queue fills (110k vs 290k records/s measured).
            FetchQueueBackoffMs = 10,
        };
        foreach (var (name, value) in _options.Consumer)
        {
            config.Set(name, value);
        }

        return new ConsumerBuilder<byte[], byte[]>(config)
            .SetPartitionsAssignedHandler((c, partitions) =>
            {
                metrics.Rebalanced("assigned");
                health.SetAssignedPartitions(c.Assignment.Count + partitions.Count);
                LogAssigned(logger, partitions.Count, string.Join(", ", partitions.Select(p => p.Partition.Value)));
            })
            .SetPartitionsRevokedHandler((c, partitions) => DropPartitions(c, partitions, "revoked"))
            .SetPartitionsLostHandler((c, partitions) => DropPartitions(c, partitions, "lost"))
            .SetErrorHandler((_, error) => LogKafkaError(logger, "consumer", error.Code, error.Reason))
            .SetLogHandler((_, message) => LogLibrdkafka(logger, LevelOf(message.Level), message.Name, message.Message))
            .Build();
    }

    /// <summary>
    /// Revoked or lost partitions: nothing of theirs in the batch being collected or the batch in flight was produced or
    /// committed (this callback runs inside Consume, and no transaction is open then), so leaving their records out of
    /// both is the whole rewind; the next owner starts from the committed offsets.
    /// </summary>
    private void DropPartitions(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> partitions, string kind)
    {
        metrics.Rebalanced(kind);
        var gone = partitions.Select(p => p.TopicPartition).ToHashSet();
        var dropped = 0;
        if (_inFlight?.Batch is { } inFlight)
        {
            // Still being scored, perhaps: it is only marked here, and its commit leaves these partitions out.
            inFlight.Dropped.UnionWith(gone);
            dropped += inFlight.Records.Count(r => gone.Contains(r.TopicPartition));
        }

        var batch = _collecting;
        var kept = new List<ConsumeResult<byte[], byte[]>>(batch.Count);
        var rejected = new List<(int Row, string Reason, Exception Error)>();
        for (var row = 0; row < batch.Count; row++)
        {
            if (gone.Contains(batch.Records[row].TopicPartition))
            {
                continue;
            }

            foreach (var r in batch.Rejected.Where(r => r.Row == row))
            {
                rejected.Add((kept.Count, r.Reason, r.Error));
            }

            kept.Add(batch.Records[row]);
        }

        dropped += batch.Count - kept.Count;
        batch.Clear();
        batch.Records.AddRange(kept);
        batch.Rejected.AddRange(rejected);
        foreach (var partition in gone)
        {
            metrics.Unassigned(partition.Topic, partition.Partition.Value);
        }

        health.SetAssignedPartitions(Math.Max(0, consumer.Assignment.Count - gone.Count));
        LogRevoked(logger, kind, gone.Count, dropped);
    }

    private IProducer<byte[], byte[]> BuildProducer()
    {
        var config = new ProducerConfig
        {
            BootstrapServers = _options.BootstrapServers,
            TransactionalId = _options.TransactionalId,
            ClientId = $"fraudstream-scorer-{_options.TransactionalId}",
            EnableIdempotence = true,
            TransactionTimeoutMs = (int)_options.TransactionTimeout.TotalMilliseconds,
            // A batch's alerts are flushed by its commit anyway; waiting for more only delays the commit.
            LingerMs = 0,
            // librdkafka waits retry.backoff.ms (100 ms by default) after a coordinator's CONCURRENT_TRANSACTIONS,
            // which follows a commit often; with small batches that wait dominated (200 transactions of 25 records on
            // the dev broker: 1.6 s at the defaults, 0.8 s with 10 ms and no linger).
            RetryBackoffMs = 20,
            // A batch produces at most a score, an alert or a dead letter per record, all before its commit.
            QueueBufferingMaxMessages = Math.Max(100_000, 3 * _options.BatchSize),
        };
        foreach (var (name, value) in _options.Producer)
        {
            config.Set(name, value);
        }

        // Confluent.Kafka's background poll thread competes with CommitTransaction's flush for delivery reports; when
        // it wins, the flush sleeps out a 10 ms slice. Off, the benchmark's commit cost fell from 10.0 to 2.3 µs/record.
        config.Set("dotnet.producer.enable.background.poll", "false");
        return new ProducerBuilder<byte[], byte[]>(config)
            .SetErrorHandler((_, error) => LogKafkaError(logger, "producer", error.Code, error.Reason))
            .SetLogHandler((_, message) => LogLibrdkafka(logger, LevelOf(message.Level), message.Name, message.Message))
            .Build();
    }

    private void CloseConsumer(IConsumer<byte[], byte[]> consumer)
    {
        try
        {
            consumer.Close(); // leaves the group now, so the partitions move without waiting for the session timeout
        }
        catch (KafkaException e)
        {
            LogKafkaError(logger, "consumer", e.Error.Code, e.Error.Reason);
        }

        health.SetAssignedPartitions(0);
        LogStopped(logger);
    }

    private void UpdateLag(IConsumer<byte[], byte[]> consumer)
    {
        if (time.GetElapsedTime(_lastLagUpdate) < s_lagInterval)
        {
            return;
        }

        _lastLagUpdate = time.GetTimestamp();
        foreach (var partition in consumer.Assignment)
        {
            var watermarks = consumer.GetWatermarkOffsets(partition);
            var position = consumer.Position(partition);
            if (watermarks.High.Value >= 0 && position.Value >= 0)
            {
                metrics.Lag(partition.Topic, partition.Partition.Value, Math.Max(0, watermarks.High.Value - position.Value));
            }
        }
    }

    /// <summary>The DLQ reason for a decode failure: the enum name in snake_case (BadMagicByte → bad_magic_byte).</summary>
    public static string ReasonName(DecodeFailure failure) =>
        s_reasonNames.TryGetValue(failure, out var name) ? name : JsonNamingPolicy.SnakeCaseLower.ConvertName(failure.ToString());

    [LoggerMessage(Level = LogLevel.Information, Message = "Waiting for a production model before consuming.")]
    private static partial void LogWaitingForModel(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Scoring {Topic} in group {Group} as transactional id {TransactionalId}: batches of up to {BatchSize} records, linger {LingerMs} ms.")]
    private static partial void LogStarted(ILogger logger, string topic, string group, string transactionalId, int batchSize, double lingerMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Assigned {Count} partitions: {Partitions}.")]
    private static partial void LogAssigned(ILogger logger, int count, string partitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partitions {Kind}: {Count}; {Dropped} uncommitted records dropped from the batch (the next owner redoes them).")]
    private static partial void LogRevoked(ILogger logger, string kind, int count, int dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Aborting the batch's transaction ({Code}: {Message}); the batch is redone from the committed offsets.")]
    private static partial void LogAborting(ILogger logger, ErrorCode code, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The producer with transactional id {TransactionalId} was fenced or failed fatally ({Code}: {Reason}); rebuilding it and redoing the batch.")]
    private static partial void LogFenced(ILogger logger, string transactionalId, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not abort the transaction ({Code}: {Reason}); rebuilding the producer.")]
    private static partial void LogAbortFailed(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Commit attempt {Attempt} failed with a retriable error ({Code}); retrying.")]
    private static partial void LogCommitRetry(ILogger logger, int attempt, ErrorCode code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "InitTransactions for {TransactionalId} failed ({Code}: {Reason}); retrying in {Seconds} s.")]
    private static partial void LogInitFailed(ILogger logger, string transactionalId, ErrorCode code, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Schema Registry is unavailable ({Message}); holding the batch and retrying in {Seconds} s. Nothing is dead-lettered for an outage.")]
    private static partial void LogRegistryUnavailable(ILogger logger, string message, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consume error without a record ({Code}: {Reason}).")]
    private static partial void LogConsumeError(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka {Client} error {Code}: {Reason}")]
    private static partial void LogKafkaError(ILogger logger, string client, ErrorCode code, string reason);

    private static LogLevel LevelOf(SyslogLevel level) => level switch
    {
        <= SyslogLevel.Error => LogLevel.Error,
        SyslogLevel.Warning => LogLevel.Warning,
        SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
        _ => LogLevel.Debug,
    };

    [LoggerMessage(Message = "librdkafka {Name}: {Message}")]
    private static partial void LogLibrdkafka(ILogger logger, LogLevel level, string name, string message);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Problem}")]
    private static partial void LogConfigurationProblem(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scorer stopped; consumer closed.")]
    private static partial void LogStopped(ILogger logger);
}
