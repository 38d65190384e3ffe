namespace FraudStream.Api;

// These types describe the API in the OpenAPI document; requests are read by TransactionJson, answers use the same names.

/// <summary>A transaction to score (the fields of schemas/transaction.avsc, event_time as ISO 8601).</summary>
internal sealed record TransactionRequest(
    string TransactionId,
    string CardId,
    string EventTime,
    double Amount,
    string Currency,
    string MerchantId,
    string MerchantCategory,
    string Channel,
    bool CardPresent,
    string? TerminalId,
    string? MerchantCountry,
    double? MerchantLatitude,
    double? MerchantLongitude,
    double? CardholderLatitude,
    double? CardholderLongitude);

/// <summary>The body of /predict/batch.</summary>
internal sealed record BatchRequest(IReadOnlyList<TransactionRequest> Transactions);

/// <summary>The answer of /predict/batch: one prediction per transaction, in order.</summary>
internal sealed record BatchResponse(string ModelVersion, IReadOnlyList<Prediction> Predictions);

/// <summary>One version in the registry.</summary>
internal sealed record VersionEntry(string Version, bool Production);

/// <summary>The answer of /model/versions.</summary>
internal sealed record VersionsResponse(string? Production, string? Serving, IReadOnlyList<string> PreviousProduction, IReadOnlyList<VersionEntry> Versions);

/// <summary>The answer of /model/rollback.</summary>
internal sealed record RollbackResponse(string Production, string? Serving, IReadOnlyList<string> PreviousProduction);

/// <summary>The answer of /health.</summary>
internal sealed record HealthResponse(string Status, string? ModelVersion);
