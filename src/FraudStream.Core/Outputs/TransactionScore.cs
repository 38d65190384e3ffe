namespace FraudStream.Core.Outputs;

/// <summary>One scored transaction (schemas/transaction_score.avsc), for the optional transactions_scored topic. Kafka key: card id.</summary>
/// <param name="TransactionId">The scored transaction.</param>
/// <param name="CardId">Its card; the Kafka key.</param>
/// <param name="Score">The model's fraud probability, 0..1.</param>
/// <param name="Threshold">The threshold the score was compared with.</param>
/// <param name="IsFraud">Score at or above the threshold.</param>
/// <param name="ModelVersion">Registry version that scored it.</param>
/// <param name="SourceTopic">Topic the transaction was consumed from.</param>
/// <param name="SourcePartition">Its partition.</param>
/// <param name="SourceOffset">Its offset.</param>
/// <param name="EventTime">When the card was used.</param>
/// <param name="ScoredTime">When it was scored.</param>
public sealed record TransactionScore(
    string TransactionId,
    string CardId,
    float Score,
    float Threshold,
    bool IsFraud,
    string ModelVersion,
    string SourceTopic,
    int SourcePartition,
    long SourceOffset,
    DateTimeOffset EventTime,
    DateTimeOffset ScoredTime);
