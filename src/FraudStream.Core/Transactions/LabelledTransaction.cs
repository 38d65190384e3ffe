namespace FraudStream.Core.Transactions;

/// <summary>A transaction with its ground truth: what the trainer learns from.</summary>
/// <param name="Transaction">The transaction.</param>
/// <param name="IsFraud">Whether it is fraudulent.</param>
/// <param name="Scenario">"genuine", or the fraud scenario that produced it (generated data), or any label the data's source uses.</param>
public sealed record LabelledTransaction(Transaction Transaction, bool IsFraud, string Scenario);
