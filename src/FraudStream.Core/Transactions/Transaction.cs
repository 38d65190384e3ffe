namespace FraudStream.Core.Transactions;

/// <summary>A card transaction as the payment switch reports it (schemas/transaction.avsc).</summary>
/// <param name="TransactionId">Unique id of the transaction.</param>
/// <param name="CardId">Card (PAN token); the Kafka key.</param>
/// <param name="EventTime">When the card was used.</param>
/// <param name="Amount">Amount in the currency's major unit, finite and non-negative.</param>
/// <param name="Currency">ISO 4217 code.</param>
/// <param name="MerchantId">Merchant identifier.</param>
/// <param name="MerchantCategory">ISO 18245 merchant category code (MCC), four digits.</param>
/// <param name="Channel">How the card was used.</param>
/// <param name="CardPresent">Whether the card was physically present; null when the source does not say (a missing feature, not "absent").</param>
/// <param name="TerminalId">Terminal, when the switch reports one.</param>
/// <param name="MerchantCountry">ISO 3166-1 alpha-2 country of the merchant, when known.</param>
/// <param name="MerchantLatitude">Merchant location, when known.</param>
/// <param name="MerchantLongitude">Merchant location, when known.</param>
/// <param name="CardholderLatitude">Card-holder's home location, when the issuer knows it.</param>
/// <param name="CardholderLongitude">Card-holder's home location, when the issuer knows it.</param>
public sealed record Transaction(
    string TransactionId,
    string CardId,
    DateTimeOffset EventTime,
    double Amount,
    string Currency,
    string MerchantId,
    string MerchantCategory,
    Channel Channel,
    bool? CardPresent,
    string? TerminalId = null,
    string? MerchantCountry = null,
    double? MerchantLatitude = null,
    double? MerchantLongitude = null,
    double? CardholderLatitude = null,
    double? CardholderLongitude = null);
