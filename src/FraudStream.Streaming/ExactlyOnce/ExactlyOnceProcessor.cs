using System.Buffers;
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
/// The loop runs on its own thread because Consume blocks. A transaction is only open between the end of a batch's
/// collection and its commit, with no Consume in between, so rebalance callbacks (which run inside Consume) never see
/// one open: revoked or lost partitions simply drop their uncommitted records from the batch being collected.
/// </remarks>
public sealed partial class ExactlyOnceProcessor(
    IOptions<ScorerOptions> options,
    IOptions<ModelFollowerOptions> modelOptions,
    LiveModel live,
    ISchemaRegistry schemaRegistry,
    ScorerMetrics metrics,
    ScorerHealth health,
    TimeProvider time,
    ILogger<ExactlyOnceProcessor> logger) : BackgroundService
{
    private static readonly TimeSpan s_kafkaTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_idlePoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_lagInterval = TimeSpan.FromSeconds(1);
    private const int MaxCommitAttempts = 5;

    private readonly ScorerOptions _options = options.Value;
    private readonly TransactionScorer _scorer = new(modelOptions.Value.TopFeatures);
    private readonly TransactionMessageCodec _codec = new(schemaRegistry, new TransactionAvroCodec());
    private readonly FraudAlertAvroCodec _alertCodec = new();
    private readonly TransactionScoreAvroCodec _scoreCodec = new();
    private readonly ArrayBufferWriter<byte> _valueBuffer = new(512);
    private readonly List<ConsumeResult<byte[], byte[]>> _batch = [];
    private readonly List<Transaction> _transactions = [];
    private readonly List<int> _transactionRows = [];
    private readonly List<(int Row, string Reason, Exception Error)> _rejected = [];
    private readonly Dictionary<TopicPartition, (long First, long Last)> _ranges = [];
    private static readonly Dictionary<DecodeFailure, string> s_reasonNames =
        Enum.GetValues<DecodeFailure>().ToDictionary(f => f, SnakeCase);
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
        var producer = StartProducer(stop);
        if (producer is null)
        {
            return; // stopped while the cluster was unreachable
        }

        try
        {
            consumer.Subscribe(_options.InputTopic);
            LogStarted(logger, _options.InputTopic, _options.GroupId, _options.TransactionalId, _options.BatchSize, _options.Linger.TotalMilliseconds);
            while (!stop.IsCancellationRequested)
            {
                CollectBatch(consumer, stop);
                if (_batch.Count > 0)
                {
                    // A batch already collected is finished even when a stop was requested: it is at most one linger old.
                    producer = ProcessBatch(consumer, producer, stop);
                    if (producer is null)
                    {
                        break;
                    }
                }

                UpdateLag(consumer);

                // Background polling is off (below): serve the producer's error and log callbacks between batches.
                producer.Poll(TimeSpan.Zero);
            }
        }
        finally
        {
            _batch.Clear();
            producer?.Dispose();
            health.SetProducerReady(false);
            CloseConsumer(consumer);
        }
    }

    /// <summary>Fills <see cref="_batch"/> until it holds BatchSize records or Linger has passed since its first record.</summary>
    private void CollectBatch(IConsumer<byte[], byte[]> consumer, CancellationToken stop)
    {
        _batch.Clear();
        _rejected.Clear();
        long firstAt = 0;
        while (_batch.Count < _options.BatchSize && !stop.IsCancellationRequested)
        {
            var wait = s_idlePoll;
            if (_batch.Count > 0)
            {
                wait = _options.Linger - time.GetElapsedTime(firstAt);
                if (wait <= TimeSpan.Zero)
                {
                    break;
                }

                wait = wait < s_idlePoll ? wait : s_idlePoll;
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
                _rejected.Add((_batch.Count, "consume_error", e));
            }
            catch (ConsumeException e)
            {
                LogConsumeError(logger, e.Error.Code, e.Error.Reason);
                continue;
            }

            if (record is null || record.IsPartitionEOF)
            {
                if (_batch.Count == 0)
                {
                    return; // idle: let the loop do its housekeeping (lag) and check for a stop
                }

                continue;
            }

            if (_batch.Count == 0)
            {
                firstAt = time.GetTimestamp();
            }

            _batch.Add(record);
        }
    }

    /// <summary>Decodes, scores and commits one batch; returns the producer to use next (rebuilt after fencing), or null when stopping.</summary>
    private IProducer<byte[], byte[]>? ProcessBatch(IConsumer<byte[], byte[]> consumer, IProducer<byte[], byte[]> producer, CancellationToken stop)
    {
        metrics.Consumed(_batch.Count);
        var started = time.GetTimestamp();
        if (_options.PassThrough)
        {
            _transactions.Clear();
            _rejected.Clear();
        }
        else if (!Decode(stop))
        {
            return null; // stopped during a registry outage; nothing was produced, the batch is redone after restart
        }

        if (!live.TryAcquire(out var lease))
        {
            throw new InvalidOperationException("The model was unloaded while the scorer was running.");
        }

        using (lease)
        {
            var scored = _scorer.Score(lease.Model, _transactions); // empty in pass-through mode: no native call
            var scoringTime = time.GetElapsedTime(started);
            var commitStarted = time.GetTimestamp();
            try
            {
                Commit(consumer, producer, scored);
            }
            catch (KafkaException e) when (TransactionErrors.IsFenced(e.Error))
            {
                LogFenced(logger, _options.TransactionalId, e.Error.Code, e.Error.Reason);
                metrics.Aborted("fenced");
                producer.Dispose();
                Rewind(consumer);
                return StartProducer(stop);
            }
            catch (KafkaTxnRequiresAbortException e)
            {
                LogAborting(logger, e.Error.Code, e.Message);
                var next = AbortOrRebuild(producer, "requires_abort", stop);
                Rewind(consumer);
                return next;
            }
            catch (KafkaException e)
            {
                LogAborting(logger, e.Error.Code, e.Message);
                var next = AbortOrRebuild(producer, "error", stop);
                Rewind(consumer);
                return next;
            }

            var committedAt = time.GetUtcNow();
            metrics.BatchCommitted(_batch.Count, scored.Rows, scored.AlertCount, scoringTime, time.GetElapsedTime(commitStarted));
            foreach (var (reason, count) in _rejected.CountBy(r => r.Reason))
            {
                metrics.DeadLettered(reason, count);
            }

            foreach (var record in _batch)
            {
                metrics.EndToEnd(committedAt - record.Message.Timestamp.UtcDateTime);
            }

            return producer;
        }
    }

    /// <summary>
    /// Decodes the batch into <see cref="_transactions"/> and <see cref="_rejected"/>. A Schema Registry outage is not a
    /// bad record: the whole batch waits, with back-off, until the registry answers. False when stopped while waiting.
    /// </summary>
    private bool Decode(CancellationToken stop)
    {
        var consumeErrors = _rejected.Where(r => r.Reason == "consume_error").ToList();
        var backoff = new Backoff();
        while (true)
        {
            _transactions.Clear();
            _transactionRows.Clear();
            _rejected.Clear();
            _rejected.AddRange(consumeErrors);
            try
            {
                for (var row = 0; row < _batch.Count; row++)
                {
                    if (consumeErrors.Count > 0 && consumeErrors.Exists(r => r.Row == row))
                    {
                        continue;
                    }

                    try
                    {
                        _transactions.Add(DecodeOne(_batch[row].Message.Value));
                        _transactionRows.Add(row);
                    }
                    catch (AvroDecodingException e)
                    {
                        _rejected.Add((row, ReasonName(e.Reason), e));
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
        // registry on this (dedicated) thread, which has no synchronization context to deadlock.
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Produces the batch's alerts and dead letters and commits them with the batch's offsets.</summary>
    private void Commit(IConsumer<byte[], byte[]> consumer, IProducer<byte[], byte[]> producer, ScoredBatch scored)
    {
        producer.BeginTransaction();
        var scoredAt = time.GetUtcNow();
        for (var a = 0; a < scored.AlertCount; a++)
        {
            var row = scored.AlertRow(a);
            var transaction = _transactions[row];
            var source = _batch[_transactionRows[row]];
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
            ProduceScores(producer, scoredTopic, scored, scoredAt);
        }

        foreach (var (row, reason, error) in _rejected)
        {
            var source = _batch[row];
            producer.Produce(_options.DeadLetterTopic, new Message<byte[], byte[]>
            {
                Key = source.Message.Key,
                Value = source.Message.Value,
                Headers = DeadLetterHeaders.Create(source.Message.Headers, reason, error, source.TopicPartitionOffset, source.Message.Timestamp),
            });
        }

        // Offsets are the next offset to read.
        var offsets = BatchRanges().Select(r => new TopicPartitionOffset(r.Key, r.Value.Last + 1)).ToList();
        producer.SendOffsetsToTransaction(offsets, consumer.ConsumerGroupMetadata, s_kafkaTimeout);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                producer.CommitTransaction(s_kafkaTimeout);
                return;
            }
            catch (KafkaRetriableException e) when (attempt < MaxCommitAttempts)
            {
                LogCommitRetry(logger, attempt, e.Error.Code);
            }
        }
    }

    private void ProduceScores(IProducer<byte[], byte[]> producer, string topic, ScoredBatch scored, DateTimeOffset scoredAt)
    {
        for (var row = 0; row < scored.Rows; row++)
        {
            var transaction = _transactions[row];
            var source = _batch[_transactionRows[row]];
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

    /// <summary>Seeks the batch's partitions back to its first offsets (the committed ones), so the batch is redone.</summary>
    private void Rewind(IConsumer<byte[], byte[]> consumer)
    {
        var assigned = consumer.Assignment.ToHashSet();
        foreach (var (partition, range) in BatchRanges())
        {
            if (assigned.Contains(partition))
            {
                consumer.Seek(new TopicPartitionOffset(partition, range.First));
            }
        }
    }

    /// <summary>
    /// First and last offset of each partition in the current batch, computed from the batch itself every time: a range
    /// kept from an earlier batch would rewind to offsets that are already committed and redo their output.
    /// </summary>
    private Dictionary<TopicPartition, (long First, long Last)> BatchRanges()
    {
        _ranges.Clear();
        foreach (var record in _batch)
        {
            _ranges[record.TopicPartition] = _ranges.TryGetValue(record.TopicPartition, out var range)
                ? (range.First, record.Offset.Value)
                : (record.Offset.Value, record.Offset.Value);
        }

        return _ranges;
    }

    /// <summary>Builds the transactional producer and runs InitTransactions (fencing any zombie with the same id), retrying while the cluster is unreachable.</summary>
    private IProducer<byte[], byte[]>? StartProducer(CancellationToken stop)
    {
        health.SetProducerReady(false);
        var backoff = new Backoff();
        var first = true;
        while (!stop.IsCancellationRequested)
        {
            if (!first)
            {
                metrics.ProducerRebuilt();
            }

            first = false;
            var producer = BuildProducer();
            try
            {
                producer.InitTransactions(s_kafkaTimeout);
                health.SetProducerReady(true);
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
    /// Revoked or lost partitions: their records in the batch being collected were never produced or committed (no
    /// transaction is open during Consume), so dropping them is the whole rewind; the next owner starts from the
    /// committed offsets.
    /// </summary>
    private void DropPartitions(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> partitions, string kind)
    {
        metrics.Rebalanced(kind);
        var gone = partitions.Select(p => p.TopicPartition).ToHashSet();
        var kept = new List<ConsumeResult<byte[], byte[]>>(_batch.Count);
        var rejected = new List<(int Row, string Reason, Exception Error)>();
        for (var row = 0; row < _batch.Count; row++)
        {
            if (gone.Contains(_batch[row].TopicPartition))
            {
                continue;
            }

            foreach (var r in _rejected.Where(r => r.Row == row))
            {
                rejected.Add((kept.Count, r.Reason, r.Error));
            }

            kept.Add(_batch[row]);
        }

        var dropped = _batch.Count - kept.Count;
        _batch.Clear();
        _batch.AddRange(kept);
        _rejected.Clear();
        _rejected.AddRange(rejected);
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
    public static string ReasonName(DecodeFailure failure) => s_reasonNames.TryGetValue(failure, out var name) ? name : SnakeCase(failure);

    private static string SnakeCase(DecodeFailure failure)
    {
        var name = failure.ToString();
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Scorer stopped; consumer closed.")]
    private static partial void LogStopped(ILogger logger);
}
