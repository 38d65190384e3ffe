namespace FraudStream.Core.Transactions;

/// <summary>A transaction read for scoring, with its label when the data has one (an analyst's file may have none).</summary>
/// <param name="Transaction">The transaction.</param>
/// <param name="IsFraud">Its label (fraud or genuine), or null when the row has none.</param>
/// <param name="LabelTime">When the label became known, when the data says; otherwise a fixed delay after the event is assumed.</param>
public sealed record TransactionRow(Transaction Transaction, bool? IsFraud, DateTimeOffset? LabelTime = null);
