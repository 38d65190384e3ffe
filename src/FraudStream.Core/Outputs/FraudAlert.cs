namespace FraudStream.Core.Outputs;

/// <summary>A transaction scored at or above the model's threshold (schemas/fraud_alert.avsc). Kafka key: card id.</summary>
/// <param name="TransactionId">The scored transaction.</param>
/// <param name="CardId">Its card; the Kafka key.</param>
/// <param name="Amount">Its amount.</param>
/// <param name="Score">The model's fraud probability, 0..1.</param>
/// <param name="Threshold">The threshold the score was compared with.</param>
/// <param name="ModelVersion">Registry version that scored it, YYYYMMDD_HHMMSS.</param>
/// <param name="TopFeatures">The features that pushed the score up most, largest first.</param>
/// <param name="SourceTopic">Topic the transaction was consumed from.</param>
/// <param name="SourcePartition">Its partition.</param>
/// <param name="SourceOffset">Its offset.</param>
/// <param name="EventTime">When the card was used.</param>
/// <param name="ScoredTime">When it was scored.</param>
public sealed record FraudAlert(
    string TransactionId,
    string CardId,
    double Amount,
    float Score,
    float Threshold,
    string ModelVersion,
    IReadOnlyList<FeatureContribution> TopFeatures,
    string SourceTopic,
    int SourcePartition,
    long SourceOffset,
    DateTimeOffset EventTime,
    DateTimeOffset ScoredTime);

/// <summary>One feature's part in a score.</summary>
/// <param name="Name">Feature name, as in the model's metadata.</param>
/// <param name="Value">The feature's value for this transaction.</param>
/// <param name="Contribution">Its contribution to the margin (SHAP value from XGBoost).</param>
public sealed record FeatureContribution(string Name, float Value, float Contribution);
