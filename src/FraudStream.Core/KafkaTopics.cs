namespace FraudStream.Core;

/// <summary>The Kafka topics FraudStream reads and writes; defaults are the names every component agrees on.</summary>
/// <param name="Transactions">Card transactions to score (key: card id, value: Avro Transaction).</param>
/// <param name="FraudAlerts">Alerts written exactly once by the scorer (key: card id, value: Avro FraudAlert).</param>
/// <param name="DeadLetters">Records the scorer could not decode or score, with the reason in headers.</param>
/// <param name="FraudLabels">Chargebacks and analysts' confirmations (key: card id, value: Avro FraudLabel); read whole by every scorer.</param>
/// <param name="CardHistoryChangelog">The scorer's card-history changelog: compacted, partitioned as <paramref name="Transactions"/>.</param>
public sealed record KafkaTopics(
    string Transactions = KafkaTopics.DefaultTransactions,
    string FraudAlerts = KafkaTopics.DefaultFraudAlerts,
    string DeadLetters = KafkaTopics.DefaultDeadLetters,
    string FraudLabels = KafkaTopics.DefaultFraudLabels,
    string CardHistoryChangelog = KafkaTopics.DefaultCardHistoryChangelog)
{
    /// <summary>Default name of the labels topic.</summary>
    public const string DefaultFraudLabels = "fraud_labels";

    /// <summary>Default name of the card-history changelog topic.</summary>
    public const string DefaultCardHistoryChangelog = "fraudstream-card-history-changelog";

    /// <summary>Default name of the input topic.</summary>
    public const string DefaultTransactions = "transactions";

    /// <summary>Default name of the alert topic.</summary>
    public const string DefaultFraudAlerts = "fraud_alerts";

    /// <summary>Default name of the dead-letter topic.</summary>
    public const string DefaultDeadLetters = "transactions_dlq";

    /// <summary>The default topic names.</summary>
    public static KafkaTopics Default { get; } = new();

    /// <summary>Whether Kafka accepts <paramref name="name"/> as a topic name.</summary>
    public static bool IsLegalName(string name) =>
        name.Length is >= 1 and <= 249
        && name is not "." and not ".."
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
