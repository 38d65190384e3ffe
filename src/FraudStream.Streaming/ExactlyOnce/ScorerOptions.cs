using FraudStream.Core;
using Microsoft.Extensions.Options;

namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>The scorer's Kafka side (configuration section "Scorer").</summary>
public sealed class ScorerOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Scorer";

    /// <summary>bootstrap.servers of the cluster.</summary>
    public string BootstrapServers { get; set; } = "";

    /// <summary>Topic the transactions come from.</summary>
    public string InputTopic { get; set; } = KafkaTopics.DefaultTransactions;

    /// <summary>Topic the alerts go to.</summary>
    public string AlertsTopic { get; set; } = KafkaTopics.DefaultFraudAlerts;

    /// <summary>Topic bad records go to, with the reason in headers.</summary>
    public string DeadLetterTopic { get; set; } = KafkaTopics.DefaultDeadLetters;

    /// <summary>When set, every scored transaction's score also goes to this topic (e.g. transactions_scored), in the same transaction.</summary>
    public string? ScoredTopic { get; set; }

    /// <summary>
    /// When set (e.g. transactions_shadow), a challenger model (registry alias) scores every batch too, its scores to this
    /// topic in the same transaction, tagged with its version; it never raises an alert. Unset, a challenger is ignored.
    /// </summary>
    public string? ShadowTopic { get; set; }

    /// <summary>Every topic the scorer reads or writes, under its setting's name (ScoredTopic and ShadowTopic only when set).</summary>
    internal IEnumerable<(string Setting, string Topic)> Topics()
    {
        yield return ("Scorer:InputTopic", InputTopic);
        yield return ("Scorer:AlertsTopic", AlertsTopic);
        yield return ("Scorer:DeadLetterTopic", DeadLetterTopic);
        if (ScoredTopic is { Length: > 0 } scored)
        {
            yield return ("Scorer:ScoredTopic", scored);
        }

        if (ShadowTopic is { Length: > 0 } shadow)
        {
            yield return ("Scorer:ShadowTopic", shadow);
        }

        if (KeepHistory)
        {
            yield return ("Scorer:ChangelogTopic", ChangelogTopic);
            yield return ("Scorer:LabelsTopic", LabelsTopic);
        }
    }

    /// <summary>
    /// Whether the scorer keeps card, merchant and terminal history for the history features (pipeline tx-v2): card
    /// state in <see cref="ChangelogTopic"/>, labels from <see cref="LabelsTopic"/>. Off, history features are missing (NaN).
    /// </summary>
    public bool KeepHistory { get; set; } = true;

    /// <summary>The card-history changelog: compacted, with as many partitions as the input topic.</summary>
    public string ChangelogTopic { get; set; } = Core.KafkaTopics.DefaultCardHistoryChangelog;

    /// <summary>Chargebacks and confirmations, read whole by every instance.</summary>
    public string LabelsTopic { get; set; } = Core.KafkaTopics.DefaultFraudLabels;

    /// <summary>How late a transaction may be and still enter its card's history; models trained with another bound are refused.</summary>
    public TimeSpan HistoryLateness { get; set; } = Core.Features.History.HistorySettings.Default.Lateness;

    /// <summary>
    /// Where card histories are kept: "memory" (every card in memory; the default) or "rocksdb" (on local disk under
    /// <see cref="HistoryPath"/>, with <see cref="HistoryCachedCards"/> per partition in memory): for millions of cards.
    /// </summary>
    public string HistoryStore { get; set; } = "memory";

    /// <summary>
    /// How a batch writes a changed card to the changelog: "whole" (its whole history, one record a card: the default;
    /// restore reads one record a card), "daily" (only the days of event time the batch changed, one record a day a
    /// card, and a tombstone for a day forgotten: about a seventh of the bytes, but restore reads a record for every day
    /// a card has history) or "delta" (the transactions the batch added, and the whole history every fifth change:
    /// restore reads at most five records a card). Each reads a changelog the others wrote.
    /// </summary>
    public string HistoryChangelog { get; set; } = "whole";

    /// <summary>Directory for the rocksdb store (each instance takes its own subdirectory); empty = the temp directory's fraudstream-history.</summary>
    public string HistoryPath { get; set; } = "";

    /// <summary>Cards per partition the rocksdb store keeps decoded in memory between batches.</summary>
    public int HistoryCachedCards { get; set; } = 100_000;

    /// <summary>The rocksdb store's block cache, shared by all partitions, in MiB.</summary>
    public int HistoryCacheMegabytes { get; set; } = 64;

    /// <summary>Whether card histories go to the rocksdb store.</summary>
    internal bool KeepsHistoryOnDisk => KeepHistory && HistoryStore == "rocksdb";

    /// <summary>The layout <see cref="HistoryChangelog"/> names (validated).</summary>
    internal Core.Features.History.ChangelogLayout ChangelogLayout => HistoryChangelog switch
    {
        "daily" => Core.Features.History.ChangelogLayout.Daily,
        "delta" => Core.Features.History.ChangelogLayout.Delta,
        _ => Core.Features.History.ChangelogLayout.Whole,
    };

    /// <summary>The history settings these options keep.</summary>
    public Core.Features.History.HistorySettings History() => new() { Lateness = HistoryLateness };

    /// <summary>
    /// Whether the scorer measures drift: each batch's features and scores binned against the model's reference
    /// distributions (its metadata's drift_reference), for the PSI gauges. Off, nothing is counted.
    /// </summary>
    public bool TrackDrift { get; set; } = true;

    /// <summary>The sliding wall-clock window drift is measured over, kept as <see cref="Monitoring.DriftMonitor.SubWindows"/> steps.</summary>
    public TimeSpan DriftWindow { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Rows a model version must have scored within the window before its PSI is exported (fewer give noise, not drift).</summary>
    public int DriftMinimumRows { get; set; } = 1000;

    /// <summary>Consumer group shared by all scorer instances.</summary>
    public string GroupId { get; set; } = "fraudstream-scorer";

    /// <summary>
    /// This instance's transactional.id: stable across its restarts (e.g. a StatefulSet ordinal) and distinct from every
    /// other instance's, so a restart fences its own zombie and aborts the transaction it left open.
    /// </summary>
    public string TransactionalId { get; set; } = "";

    /// <summary>
    /// Most records per batch (one predict call and one Kafka transaction each). Natural batching keeps batches small at
    /// low rates; this bounds them under load, where a larger batch spreads a transaction's round trips and its changelog
    /// over more records (docs/PERFORMANCE.md, The scorer end to end: 2,500 scored 1.4× the records/s of 1,000 with history).
    /// </summary>
    public int BatchSize { get; set; } = DefaultBatchSize;

    /// <summary>The default <see cref="BatchSize"/>.</summary>
    public const int DefaultBatchSize = 2500;

    /// <summary>How long a batch waits for more records after its first one.</summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Natural batching: while no other batch is being processed or committed, a batch closes as soon as the consumer
    /// has nothing more at hand instead of waiting out <see cref="Linger"/>, so latency follows load (small batches at
    /// low rates, up to <see cref="BatchSize"/> under load). Off, every batch waits for BatchSize or Linger.
    /// </summary>
    public bool NaturalBatching { get; set; } = true;

    /// <summary>transaction.timeout.ms: the broker aborts a transaction left open longer than this.</summary>
    public TimeSpan TransactionTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Where a group without committed offsets starts: "earliest" or "latest".</summary>
    public string AutoOffsetReset { get; set; } = "earliest";

    /// <summary>
    /// The shutdown budget: from the stop signal, the time the scorer has to commit its batch in flight (retries
    /// included) and leave the group. Past it, it gives up on the open transaction, which the next instance's
    /// InitTransactions settles. The host waits this long plus <see cref="HostShutdownMargin"/>; a container's grace
    /// period must be longer still (deploy/ uses 60 s for the default 30 s).
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>What the host adds to <see cref="ShutdownTimeout"/> for closing the consumer and the other services.</summary>
    public static readonly TimeSpan HostShutdownMargin = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Static group membership (KIP-345): group.instance.id is the transactional id, so a restarted instance takes its
    /// partitions back at once instead of after session.timeout.ms. The price: an instance that stops for good keeps its
    /// partitions until its session times out (Scorer:Consumer:session.timeout.ms, 45 s by default). On by default.
    /// </summary>
    public bool StaticMembership { get; set; } = true;

    /// <summary>Extra librdkafka consumer settings (name → value), applied last.</summary>
    public Dictionary<string, string> Consumer { get; set; } = [];

    /// <summary>Extra librdkafka producer settings (name → value), applied last.</summary>
    public Dictionary<string, string> Producer { get; set; } = [];
}

/// <summary>Checks <see cref="ScorerOptions"/> at start, one sentence per problem.</summary>
public sealed class ScorerOptionsValidator : IValidateOptions<ScorerOptions>
{
    /// <summary>Longest batch: far below max.poll.interval.ms and transaction.timeout.ms.</summary>
    public static readonly TimeSpan MaxLinger = TimeSpan.FromSeconds(10);

    /// <summary>Shortest drift window: shorter ones hold a few seconds of traffic per step, a distribution's noise rather than its drift.</summary>
    public static readonly TimeSpan MinDriftWindow = TimeSpan.FromMinutes(1);

    /// <summary>Longest drift window (the counts are kept in memory, one set per step, whatever the window).</summary>
    public static readonly TimeSpan MaxDriftWindow = TimeSpan.FromDays(90);

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ScorerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.BootstrapServers))
        {
            failures.Add("Scorer:BootstrapServers is not set: give the Kafka cluster's bootstrap servers, e.g. --bootstrap-servers kafka:9092.");
        }

        if (string.IsNullOrWhiteSpace(options.TransactionalId))
        {
            failures.Add("Scorer:TransactionalId is not set: give each scorer instance a stable, distinct id, e.g. --transactional-id scorer-0.");
        }

        if (string.IsNullOrWhiteSpace(options.GroupId))
        {
            failures.Add("Scorer:GroupId is empty: name the consumer group the scorer instances share.");
        }

        foreach (var (setting, topic) in options.Topics())
        {
            if (!KafkaTopics.IsLegalName(topic))
            {
                failures.Add($"{setting} '{topic}' is not a legal Kafka topic name (1 to 249 of a-z, A-Z, 0-9, '.', '_', '-').");
            }
        }

        if (options.InputTopic == options.AlertsTopic || options.InputTopic == options.DeadLetterTopic || options.InputTopic == options.ScoredTopic
            || options.InputTopic == options.ShadowTopic)
        {
            failures.Add($"Scorer:InputTopic '{options.InputTopic}' is also an output topic: the scorer would read its own output.");
        }

        if (options.BatchSize is < 1 or > 100_000)
        {
            failures.Add($"Scorer:BatchSize must be a whole number from 1 to 100000, not {options.BatchSize}.");
        }

        if (options.Linger < TimeSpan.Zero || options.Linger > MaxLinger)
        {
            failures.Add($"Scorer:Linger must be between 0 and {MaxLinger.TotalSeconds} s (a batch must stay far below the transaction timeout), not {options.Linger}.");
        }

        if (options.TransactionTimeout < TimeSpan.FromSeconds(10) || options.TransactionTimeout > TimeSpan.FromMinutes(15))
        {
            failures.Add($"Scorer:TransactionTimeout must be between 10 s and 15 min (the broker's default cap), not {options.TransactionTimeout}.");
        }

        if (options.HistoryLateness < TimeSpan.Zero || options.HistoryLateness > Core.Features.History.HistorySettings.MaxLateness)
        {
            failures.Add($"Scorer:HistoryLateness must be from 0 to {Core.Features.History.HistorySettings.MaxLateness.TotalDays} days, not {options.HistoryLateness}.");
        }

        if (options.KeepHistory && (options.ChangelogTopic == options.InputTopic || options.LabelsTopic == options.InputTopic))
        {
            failures.Add($"Scorer:ChangelogTopic and Scorer:LabelsTopic must differ from Scorer:InputTopic '{options.InputTopic}'.");
        }

        if (options.ShadowTopic is { Length: > 0 } shadow && (shadow == options.AlertsTopic || shadow == options.ScoredTopic))
        {
            failures.Add($"Scorer:ShadowTopic '{shadow}' must differ from the alerts and scored topics: a challenger's scores must not pass for production's.");
        }

        if (options.HistoryStore is not ("memory" or "rocksdb"))
        {
            failures.Add($"Scorer:HistoryStore must be 'memory' or 'rocksdb', not '{options.HistoryStore}'.");
        }

        if (options.HistoryChangelog is not ("whole" or "daily" or "delta"))
        {
            failures.Add($"Scorer:HistoryChangelog must be 'whole', 'daily' or 'delta', not '{options.HistoryChangelog}'.");
        }

        if (options.HistoryCachedCards is < 1 or > 100_000_000)
        {
            failures.Add($"Scorer:HistoryCachedCards must be a whole number from 1 to 100000000, not {options.HistoryCachedCards}.");
        }

        if (options.HistoryCacheMegabytes is < 1 or > 1_048_576)
        {
            failures.Add($"Scorer:HistoryCacheMegabytes must be a whole number from 1 to 1048576, not {options.HistoryCacheMegabytes}.");
        }

        if (options.DriftWindow < MinDriftWindow || options.DriftWindow > MaxDriftWindow)
        {
            failures.Add($"Scorer:DriftWindow must be between {MinDriftWindow.TotalMinutes} min and {MaxDriftWindow.TotalDays} days, not {options.DriftWindow}.");
        }

        if (options.DriftMinimumRows is < 1 or > 1_000_000_000)
        {
            failures.Add($"Scorer:DriftMinimumRows must be a whole number from 1 to 1000000000, not {options.DriftMinimumRows}.");
        }

        if (options.ShutdownTimeout < TimeSpan.FromSeconds(1) || options.ShutdownTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Scorer:ShutdownTimeout must be between 1 s and 10 min, not {options.ShutdownTimeout}.");
        }

        if (options.AutoOffsetReset is not ("earliest" or "latest"))
        {
            failures.Add($"Scorer:AutoOffsetReset must be 'earliest' or 'latest', not '{options.AutoOffsetReset}'.");
        }

        foreach (var key in options.Consumer.Keys.Concat(options.Producer.Keys).Where(IsManagedSetting))
        {
            failures.Add($"Scorer: the librdkafka setting '{key}' is managed by the scorer's exactly-once loop; remove it from the extra settings.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsManagedSetting(string key) => key is "enable.auto.commit" or "enable.auto.offset.store" or "isolation.level"
        or "transactional.id" or "enable.idempotence" or "group.id" or "bootstrap.servers" or "group.instance.id";
}
