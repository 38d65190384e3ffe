namespace FraudStream.Core.Transactions;

/// <summary>
/// What an issuer learns about a transaction after the fact (schemas/fraud_label.avsc, the <c>fraud_labels</c> topic):
/// a chargeback or an analyst's confirmation. A label counts only from <see cref="LabelTime"/> on, in training as in the stream.
/// </summary>
/// <param name="TransactionId">The transaction labelled.</param>
/// <param name="CardId">Its card.</param>
/// <param name="MerchantId">Its merchant.</param>
/// <param name="TerminalId">Its terminal, when it had one.</param>
/// <param name="IsFraud">Fraud (true) or confirmed genuine (false).</param>
/// <param name="EventTime">When the labelled transaction happened.</param>
/// <param name="LabelTime">When the label became known; it is not used for anything that happened before.</param>
public sealed record FraudLabel(
    string TransactionId,
    string CardId,
    string MerchantId,
    string? TerminalId,
    bool IsFraud,
    DateTimeOffset EventTime,
    DateTimeOffset LabelTime)
{
    /// <summary>The label of a labelled transaction, known at <paramref name="labelTime"/>.</summary>
    public static FraudLabel Of(LabelledTransaction row, DateTimeOffset labelTime)
    {
        ArgumentNullException.ThrowIfNull(row);
        return Of(row.Transaction, row.IsFraud, labelTime);
    }

    /// <summary>The label of <paramref name="t"/> (fraud or genuine), known at <paramref name="labelTime"/>.</summary>
    public static FraudLabel Of(Transaction t, bool isFraud, DateTimeOffset labelTime)
    {
        ArgumentNullException.ThrowIfNull(t);
        return new FraudLabel(t.TransactionId, t.CardId, t.MerchantId, t.TerminalId, isFraud, t.EventTime, labelTime);
    }
}
