using System.Text.Json;
using Confluent.Kafka;
using FraudStream.Avro;
using FraudStream.Avro.Registry;
using FraudStream.Core.Outputs;
using FraudStream.Serving;
using FraudStream.Streaming.History;
using FraudStream.Streaming.Monitoring;
using FraudStream.Streaming.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Transaction = FraudStream.Core.Transactions.Transaction;

namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>
/// The scorer's batch handler: decode (Confluent wire format, writer schema from the registry) → features → one native
/// predict call → alerts (and, when configured, scores) produced in the batch's transaction.
/// </summary>
public sealed partial class ScoringBatchHandler(
    IOptions<ScorerOptions> options,
    IOptions<ModelFollowerOptions> modelOptions,
    LiveModel live,
    ChallengerModel challenger,
    ScorerHistory history,
    DriftMonitor drift,
    ISchemaRegistry schemaRegistry,
    ScorerMetrics metrics,
    TimeProvider time,
    ILogger<ScoringBatchHandler> logger) : IBatchHandler
{
    private static readonly Dictionary<DecodeFailure, string> s_reasonNames =
        Enum.GetValues<DecodeFailure>().ToDictionary(f => f, f => JsonNamingPolicy.SnakeCaseLower.ConvertName(f.ToString()));

    private static readonly TimeSpan s_historyWarmUpLimit = TimeSpan.FromSeconds(10);
    private readonly ScorerOptions _options = options.Value;
    private readonly TransactionMessageCodec _codec = new(schemaRegistry, new TransactionAvroCodec());
    private readonly FraudAlertAvroCodec _alertCodec = new();
    private readonly TransactionScoreAvroCodec _scoreCodec = new();
    private int _alertSchemaId;
    private int _scoreSchemaId;
    private int _shadowSchemaId;

    /// <summary>The DLQ reason for a decode failure: the enum name in snake_case (BadMagicByte → bad_magic_byte).</summary>
    public static string ReasonName(DecodeFailure failure) =>
        s_reasonNames.TryGetValue(failure, out var name) ? name : JsonNamingPolicy.SnakeCaseLower.ConvertName(failure.ToString());

    /// <inheritdoc />
    public bool Prepare(CancellationToken stop)
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

            if (_options.ShadowTopic is { Length: > 0 } shadowTopic)
            {
                _shadowSchemaId = RegisterSchema(shadowTopic, "transaction_score.avsc", stop);
            }

            if (_options.KeepHistory)
            {
                history.Prepare(s_historyWarmUpLimit, stop);
            }

            WarmUp();
            return true;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Runs the alert path on made-up transactions with the loaded model (<see cref="ScorerWarmUp"/>) and sets up its drift counts.</summary>
    private void WarmUp()
    {
        if (!live.TryAcquire(out var lease))
        {
            return;
        }

        using (lease)
        {
            var started = time.GetTimestamp();
            drift.Prepare(lease.Model.Metadata);
            try
            {
                ScorerWarmUp.Run(lease.Model, modelOptions.Value.TopFeatures, _options.KeepHistory ? history.Settings : null);
                ScorerWarmUp.LogWarmedUp(logger, time.GetElapsedTime(started).TotalMilliseconds);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // Only a speed-up: the first batch compiles whatever the made-up rows did not reach.
                ScorerWarmUp.LogFailed(logger, e);
            }
        }
    }

    /// <inheritdoc />
    public IBatchWork CreateWork() => new ScoringWork(modelOptions.Value.TopFeatures);

    /// <inheritdoc />
    public bool Process(RecordBatch batch, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var work = (ScoringWork)batch.Work;
        var started = time.GetTimestamp();
        if (!Decode(batch, work, stop))
        {
            return false;
        }

        if (!live.TryAcquire(out var lease))
        {
            throw new InvalidOperationException("The model was unloaded while the scorer was running.");
        }

        work.Lease = lease;
        var features = ReadOnlySpan<float>.Empty;
        if (_options.KeepHistory)
        {
            work.GrowHistory();
            try
            {
                history.Observe(batch, work.Transactions, work.TransactionRows, work.History, work.Changelog, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return false; // stopped while restoring or reading labels: the next owner redoes the batch
            }

            features = work.History;
        }

        work.Scored = work.Scorer.Score(lease.Model, work.Transactions, features);
        ScoreInShadow(work, features);
        drift.Observe(work.Scored);
        drift.Observe(work.Shadow); // the challenger's, when it scored the batch too
        work.ScoringTime = time.GetElapsedTime(started);
        return true;
    }

    /// <summary>
    /// Scores the batch with the challenger too, when there is one and a shadow topic to write to. Off the alert path:
    /// whatever goes wrong with the challenger is counted and logged, and production's batch goes on without it.
    /// </summary>
    private void ScoreInShadow(ScoringWork work, ReadOnlySpan<float> features)
    {
        if (!challenger.Live.TryAcquire(out var lease))
        {
            return;
        }

        if (_options.ShadowTopic is not { Length: > 0 })
        {
            lease.Dispose(); // not followed without a shadow topic; a host may still have loaded one
            return;
        }

        try
        {
            work.Shadow = work.ShadowScorer.Score(lease.Model, work.Transactions, features);
            work.ShadowLease = lease;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            lease.Dispose();
            work.Shadow = default;
            metrics.ShadowFailed();
            LogShadowFailed(logger, e, lease.Model.Version);
        }
    }

    /// <inheritdoc />
    public void Produce(RecordBatch batch, IProducer<byte[], byte[]> producer)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(producer);
        var work = (ScoringWork)batch.Work;
        var scored = work.Scored;
        var scoredAt = time.GetUtcNow();
        for (var a = 0; a < scored.AlertCount; a++)
        {
            var row = scored.AlertRow(a);
            if (!batch.Keeps(work.TransactionRows[row]))
            {
                continue;
            }

            var transaction = work.Transactions[row];
            var source = batch.Records[work.TransactionRows[row]];
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
            ProduceScores(producer, scoredTopic, _scoreSchemaId, batch, work, work.Scored, scoredAt);
        }

        if (work.ShadowLease.Model is not null && _options.ShadowTopic is { Length: > 0 } shadowTopic)
        {
            ProduceScores(producer, shadowTopic, _shadowSchemaId, batch, work, work.Shadow, scoredAt);
        }

        ProduceChangelog(producer, batch, work);
    }

    /// <inheritdoc />
    public void PartitionsAssigned(IReadOnlyList<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        if (_options.KeepHistory)
        {
            history.Assigned([.. partitions.Where(p => p.Topic == _options.InputTopic).Select(p => p.Partition.Value)]);
        }
    }

    /// <inheritdoc />
    public void PartitionsGone(IReadOnlyList<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        history.Forget(partitions.Where(p => p.Topic == _options.InputTopic).Select(p => p.Partition.Value));
    }

    /// <inheritdoc />
    public void Rewound() => history.ForgetAll();

    /// <inheritdoc />
    public void Committed(RecordBatch batch, DateTimeOffset committedAt)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var work = (ScoringWork)batch.Work;
        var (rows, alerts) = CountKept(batch, work, work.Scored);
        metrics.Scored(rows, alerts, work.ScoringTime);
        if (work.ShadowLease.Model is { } shadow)
        {
            var (shadowRows, shadowAlerts) = CountKept(batch, work, work.Shadow);
            metrics.ShadowScored(shadow.Version, shadowRows, shadowAlerts);
        }
    }

    /// <summary>Rows of the batch still kept (their partition not taken away) and those of them at or above the threshold.</summary>
    private static (int Rows, int Alerts) CountKept(RecordBatch batch, ScoringWork work, ScoredBatch scored)
    {
        var rows = 0;
        var alerts = 0;
        for (var row = 0; row < scored.Rows; row++)
        {
            if (batch.Keeps(work.TransactionRows[row]))
            {
                rows++;
                alerts += scored.Score(row) >= scored.Model.Threshold ? 1 : 0;
            }
        }

        return (rows, alerts);
    }

    /// <summary>
    /// Decodes the batch's records into transactions; undecodable ones are rejected with their reason. A registry outage
    /// is not a bad record: the whole batch waits, with back-off, until the registry answers. False when stopped while waiting.
    /// </summary>
    private bool Decode(RecordBatch batch, ScoringWork work, CancellationToken stop)
    {
        var consumeErrors = batch.Rejected.Count == 0 ? [] : batch.Rejected.ToList(); // rejected while consumed
        var backoff = new Backoff(time);
        while (true)
        {
            work.Transactions.Clear();
            work.TransactionRows.Clear();
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
                        work.Transactions.Add(DecodeOne(batch.Records[row].Message.Value));
                        work.TransactionRows.Add(row);
                    }
                    catch (AvroDecodingException e)
                    {
                        batch.Rejected.Add(new Rejection(row, ReasonName(e.Reason), e));
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

    private int RegisterSchema(string topic, string schemaFile, CancellationToken stop)
    {
        var subject = SchemaSubjects.ForTopicValue(topic);
        var backoff = new Backoff(time);
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Challenger {Version} failed to score a batch; production scored it as usual.")]
    private static partial void LogShadowFailed(ILogger logger, Exception exception, string version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Waiting for a production model before consuming.")]
    private static partial void LogWaitingForModel(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Schema Registry is unavailable ({Message}); holding the batch and retrying in {Seconds} s. Nothing is dead-lettered for an outage.")]
    private static partial void LogRegistryUnavailable(ILogger logger, string message, double seconds);
}
