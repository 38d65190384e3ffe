namespace FraudStream.Core.Transactions;

/// <summary>A transaction with its ground truth: what the trainer learns from.</summary>
/// <param name="Transaction">The transaction.</param>
/// <param name="IsFraud">Whether it is fraudulent.</param>
/// <param name="Scenario">"genuine", or the fraud scenario that produced it (generated data), or any label the data's source uses.</param>
/// <param name="LabelTime">
/// When the label became known (a chargeback, an analyst's confirmation), when the data says; otherwise the trainer
/// assumes a fixed delay after the event time. History features use a label only from this time on.
/// </param>
public sealed record LabelledTransaction(Transaction Transaction, bool IsFraud, string Scenario, DateTimeOffset? LabelTime = null);
