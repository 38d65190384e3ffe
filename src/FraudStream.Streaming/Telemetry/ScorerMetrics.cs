using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Confluent.Kafka;

namespace FraudStream.Streaming.Telemetry;

/// <summary>The exactly-once scorer's metrics (names are final Prometheus names; counters get _total on export).</summary>
public sealed class ScorerMetrics : IDisposable
{
    /// <summary>The meter's name, for a MeterProvider's AddMeter.</summary>
    public const string MeterName = "FraudStream.Scorer";

    private static readonly double[] s_secondsBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly Meter _meter;
    private readonly Counter<long> _consumed;
    private readonly Counter<long> _scored;
    private readonly Counter<long> _alerts;
    private readonly Counter<long> _shadowScored;
    private readonly Counter<long> _shadowAlerts;
    private readonly Tally _shadowFailures;
    private readonly Counter<long> _deadLettered;
    private readonly Tally _committed;
    private readonly Tally _aborted;
    private readonly Tally _rebalances;
    private readonly Tally _producerRebuilds;
    private readonly Tally _registryRetries;
    private readonly Histogram<long> _batchSize;
    private readonly Histogram<double> _scoringTime;
    private readonly Histogram<double> _endToEnd;
    private readonly Histogram<double> _commitTime;
    private readonly Tally _commitRetries;
    private readonly Tally _rewinds;
    private readonly Tally _partitionErrors;
    private readonly ConcurrentDictionary<(string Topic, int Partition), long> _lag = new();
    private readonly Tally _restoredRecords;
    private readonly Counter<long> _restoredBytes;
    private readonly Histogram<double> _restoreTime;
    private readonly Counter<long> _changelogBytes;
    private readonly Tally _changelogRecords;
    private readonly Counter<long> _tooLate;
    private readonly Tally _labelsRead;
    private readonly Tally _historyRetries;
    private readonly Counter<long> _labelsRejected;
    private long _lostCount;

    /// <summary>One partition's card history restored.</summary>
    public void HistoryRestored(long records, long bytes, long cards, TimeSpan elapsed)
    {
        _restoredRecords.AddMany(records);
        _restoredBytes.Add(bytes);
        _restoreTime.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("cards", cards > 100_000 ? "100k+" : "under_100k"));
    }

    /// <summary>Card histories produced to the changelog in a batch's transaction.</summary>
    public void ChangelogWritten(int records, long bytes)
    {
        _changelogRecords.AddMany(records);
        _changelogBytes.Add(bytes);
    }

    /// <summary>A transaction too late for its card's history.</summary>
    public void TooLate() => _tooLate.Add(1);

    /// <summary>A label taken in.</summary>
    public void LabelRead() => _labelsRead.Add();

    /// <summary>An undecodable label skipped.</summary>
    public void LabelRejected() => _labelsRejected.Add(1);

    /// <summary>Gauges of the history held: cards, bytes in memory, labels.</summary>
    public void ObserveHistory(Func<History.HistorySize> read)
    {
        _meter.CreateObservableGauge("fraudstream_history_cards", () => read().Cards, description: "Cards whose history this instance holds.");
        _meter.CreateObservableGauge("fraudstream_history_bytes", () => read().Bytes, unit: "By", description: "Approximate memory held by card and label history.");
        _meter.CreateObservableGauge("fraudstream_history_labels", () => read().Labels, description: "Labels this instance holds.");
    }

    /// <summary>Gauges of drift per model version: the rows in the window, and each feature's and the score's PSI once there are enough.</summary>
    public void ObserveDrift(Func<IReadOnlyList<Monitoring.DriftReading>> read)
    {
        _meter.CreateObservableGauge(
            "fraudstream_feature_psi",
            () => read().SelectMany(r => r.FeaturePsi.Select(f => new Measurement<double>(f.Value, Version(r), new("feature", f.Key)))),
            description: "Population stability index of each feature over the drift window against the model's training distribution.");
        _meter.CreateObservableGauge(
            "fraudstream_score_psi",
            () => read().Where(r => r.ScorePsi is not null).Select(r => new Measurement<double>(r.ScorePsi!.Value, Version(r))),
            description: "Population stability index of the score over the drift window against the model's scores on its test split.");
        _meter.CreateObservableGauge(
            "fraudstream_drift_rows",
            () => read().Select(r => new Measurement<long>(r.Rows, Version(r))),
            description: "Rows each model version scored within the drift window (PSI is exported from Scorer:DriftMinimumRows on).");

        static KeyValuePair<string, object?> Version(Monitoring.DriftReading reading) => new("model_version", reading.ModelVersion);
    }

    /// <summary>Times this instance lost its partitions (evicted from the group, e.g. after max.poll.interval.ms without a poll).</summary>
    public long PartitionsLostEvents => Interlocked.Read(ref _lostCount);

    /// <summary>Transactions committed by this instance.</summary>
    public long TransactionsCommitted => _committed.Total;

    /// <summary>Transactions aborted (any reason) by this instance.</summary>
    public long TransactionsAborted => _aborted.Total;

    /// <summary>CommitTransaction calls repeated after a retriable error.</summary>
    public long CommitRetries => _commitRetries.Total;

    /// <summary>Times the consumer was moved back to the group's committed offsets read from the broker.</summary>
    public long Rewinds => _rewinds.Total;

    /// <summary>Transactional producers rebuilt (start-up excluded).</summary>
    public long ProducerRebuilds => _producerRebuilds.Total;

    /// <summary>Partition-level consume errors (no record to dead-letter; the position does not move).</summary>
    public long PartitionErrors => _partitionErrors.Total;

    /// <summary>Batches held back because the Schema Registry was unavailable.</summary>
    public long RegistryRetries => _registryRetries.Total;

    /// <summary>Changelog records read while restoring card history.</summary>
    public long HistoryRecordsRestored => _restoredRecords.Total;

    /// <summary>Card histories written to the changelog in committed and uncommitted transactions.</summary>
    public long ChangelogRecordsWritten => _changelogRecords.Total;

    /// <summary>Labels taken in from the labels topic.</summary>
    public long LabelsRead => _labelsRead.Total;

    /// <summary>Creates the instruments on a meter of its own (tests and benchmarks).</summary>
    public ScorerMetrics()
        : this(meters: null)
    {
    }

    /// <summary>Creates the instruments on a meter from <paramref name="meters"/> (the host's, which disposes it), or one of its own.</summary>
    public ScorerMetrics(IMeterFactory? meters)
    {
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _restoredRecords = new Tally(_meter.CreateCounter<long>(
            "fraudstream_history_restored_records", description: "Changelog records read to restore card history (at assignment, restart, or after an abort)."));
        _restoredBytes = _meter.CreateCounter<long>("fraudstream_history_restored_bytes", unit: "By", description: "Changelog bytes read to restore card history.");
        _restoreTime = _meter.CreateHistogram<double>(
            "fraudstream_history_restore_seconds", unit: "s", description: "Time to restore one partition's card history before scoring it.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_secondsBuckets });
        _changelogBytes = _meter.CreateCounter<long>("fraudstream_history_changelog_bytes", unit: "By", description: "Card-history bytes produced to the changelog.");
        _changelogRecords = new Tally(_meter.CreateCounter<long>("fraudstream_history_changelog_records", description: "Card histories produced to the changelog."));
        _tooLate = _meter.CreateCounter<long>(
            "fraudstream_history_too_late", description: "Transactions later than the lateness bound: scored with the history they found, not remembered.");
        _historyRetries = new Tally(_meter.CreateCounter<long>(
            "fraudstream_history_retries", description: "Times reading labels or restoring card history waited out a Kafka error and started again."));
        _labelsRead = new Tally(_meter.CreateCounter<long>("fraudstream_labels_read", description: "Labels taken in from the labels topic."));
        _labelsRejected = _meter.CreateCounter<long>("fraudstream_labels_rejected", description: "Undecodable records on the labels topic (skipped).");
        _consumed = _meter.CreateCounter<long>("fraudstream_records_consumed", description: "Records read from the input topic (redeliveries after an abort included).");
        _scored = _meter.CreateCounter<long>("fraudstream_records_scored", description: "Records scored in committed transactions.");
        _alerts = _meter.CreateCounter<long>("fraudstream_alerts", description: "Alerts written in committed transactions.");
        _shadowScored = _meter.CreateCounter<long>(
            "fraudstream_shadow_records_scored", description: "Records the challenger scored in shadow, in committed transactions, by version.");
        _shadowAlerts = _meter.CreateCounter<long>(
            "fraudstream_shadow_alerts", description: "Records the challenger would have alerted on (no alert is written), by version.");
        _shadowFailures = new Tally(_meter.CreateCounter<long>(
            "fraudstream_shadow_failures", description: "Batches the challenger failed to score (production scored them as usual)."));
        _deadLettered = _meter.CreateCounter<long>(
            "fraudstream_records_dead_lettered", description: "Bad records written to the dead-letter topic in committed transactions, by reason.");
        _committed = new Tally(_meter.CreateCounter<long>("fraudstream_transactions_committed", description: "Kafka transactions committed."));
        _aborted = new Tally(_meter.CreateCounter<long>("fraudstream_transactions_aborted", description: "Kafka transactions aborted (their batch is redone), by reason."));
        _rebalances = new Tally(_meter.CreateCounter<long>("fraudstream_rebalances", description: "Partition assignment changes, by event (assigned, revoked, lost)."));
        _producerRebuilds = new Tally(_meter.CreateCounter<long>(
            "fraudstream_producer_rebuilds", description: "Transactional producers rebuilt after a fatal error or fencing."));
        _registryRetries = new Tally(_meter.CreateCounter<long>(
            "fraudstream_schema_registry_retries", description: "Batches held back because the Schema Registry was unavailable."));
        _commitRetries = new Tally(_meter.CreateCounter<long>(
            "fraudstream_commit_retries", description: "CommitTransaction calls repeated after a retriable error (a timed-out commit is resumed, never aborted)."));
        _rewinds = new Tally(_meter.CreateCounter<long>(
            "fraudstream_rewinds", description: "Times the scorer moved back to the group's committed offsets read from the broker, after an abort, a failed commit or a rebuild."));
        _partitionErrors = new Tally(_meter.CreateCounter<long>(
            "fraudstream_partition_errors", description: "Partition-level consume errors, by code: nothing is dead-lettered and the position does not move."));
        _batchSize = _meter.CreateHistogram<long>(
            "fraudstream_batch_size_records",
            description: "Records per batch.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000] });
        _scoringTime = _meter.CreateHistogram<double>(
            "fraudstream_scoring_duration_seconds",
            description: "Time to decode, build features for and predict one batch.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_secondsBuckets });
        _endToEnd = _meter.CreateHistogram<double>(
            "fraudstream_end_to_end_latency_seconds",
            description: "Time from a record's Kafka timestamp to the commit of the transaction that scored it.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_secondsBuckets });
        _commitTime = _meter.CreateHistogram<double>(
            "fraudstream_transaction_commit_duration_seconds",
            description: "Time from the first produce of a batch to its committed transaction (offsets included).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_secondsBuckets });
        _meter.CreateObservableGauge(
            "fraudstream_consumer_lag_records",
            () => _lag.Select(p => new Measurement<long>(
                p.Value,
                new KeyValuePair<string, object?>("topic", p.Key.Topic),
                new KeyValuePair<string, object?>("partition", p.Key.Partition))),
            description: "Records between the scorer's position and the end of each assigned partition.");
    }

    internal void Consumed(int records) => _consumed.Add(records);

    internal void BatchCommitted(int records, TimeSpan commit)
    {
        _batchSize.Record(records);
        _committed.Add();
        _commitTime.Record(commit.TotalSeconds);
    }

    internal void Scored(int scored, int alerts, TimeSpan scoring)
    {
        _scored.Add(scored);
        _alerts.Add(alerts);
        _scoringTime.Record(scoring.TotalSeconds);
    }

    internal void ShadowScored(string version, int scored, int alerts)
    {
        var tag = new KeyValuePair<string, object?>("version", version);
        _shadowScored.Add(scored, tag);
        _shadowAlerts.Add(alerts, tag);
    }

    internal void ShadowFailed() => _shadowFailures.Add();

    internal void HistoryRetried() => _historyRetries.Add();

    /// <summary>Times history waited out a Kafka error.</summary>
    public long HistoryRetries => _historyRetries.Total;

    /// <summary>Batches the challenger failed to score.</summary>
    public long ShadowFailures => _shadowFailures.Total;

    internal void EndToEnd(TimeSpan latency) => _endToEnd.Record(Math.Max(0, latency.TotalSeconds));

    internal void DeadLettered(string reason, int count) => _deadLettered.Add(count, new KeyValuePair<string, object?>("reason", reason));

    internal void Aborted(string reason) => _aborted.Add(new("reason", reason));

    internal void CommitRetried() => _commitRetries.Add();

    internal void Rewound() => _rewinds.Add();

    internal void PartitionError(ErrorCode code) => _partitionErrors.Add(new("code", code.ToString()));

    internal void Rebalanced(string kind)
    {
        _rebalances.Add(new("event", kind));
        if (kind == "lost")
        {
            Interlocked.Increment(ref _lostCount);
        }
    }

    internal void ProducerRebuilt() => _producerRebuilds.Add();

    internal void RegistryRetry() => _registryRetries.Add();

    internal void Lag(string topic, int partition, long records) => _lag[(topic, partition)] = records;

    internal void Unassigned(string topic, int partition) => _lag.TryRemove((topic, partition), out _);

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    /// <summary>A counter of single events that also keeps its own total, readable by tests and benchmarks.</summary>
    private sealed class Tally(Counter<long> counter)
    {
        private long _total;

        public long Total => Interlocked.Read(ref _total);

        public void Add(KeyValuePair<string, object?> tag = default)
        {
            if (tag.Key is null)
            {
                counter.Add(1);
            }
            else
            {
                counter.Add(1, tag);
            }

            Interlocked.Increment(ref _total);
        }

        public void AddMany(long amount)
        {
            counter.Add(amount);
            Interlocked.Add(ref _total, amount);
        }
    }
}
