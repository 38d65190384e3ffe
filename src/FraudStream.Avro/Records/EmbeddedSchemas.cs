namespace FraudStream.Avro;

/// <summary>The schemas/ files compiled into this assembly, so the typed codecs use exactly the contract files.</summary>
public static class EmbeddedSchemas
{
    private static readonly Lazy<RecordSchema> LazyTransaction = new(() => Load<RecordSchema>("transaction.avsc"));
    private static readonly Lazy<RecordSchema> LazyFraudAlert = new(() => Load<RecordSchema>("fraud_alert.avsc"));
    private static readonly Lazy<RecordSchema> LazyFraudLabel = new(() => Load<RecordSchema>("fraud_label.avsc"));
    private static readonly Lazy<RecordSchema> LazyTransactionScore = new(() => Load<RecordSchema>("transaction_score.avsc"));

    /// <summary>The embedded files in the order a local catalog numbers them (ordinal file-name order, as in schemas/).</summary>
    public static IReadOnlyList<string> FileNames { get; } = ["fraud_alert.avsc", "fraud_label.avsc", "transaction.avsc", "transaction_score.avsc"];

    /// <summary>schemas/transaction.avsc.</summary>
    public static RecordSchema Transaction => LazyTransaction.Value;

    /// <summary>schemas/fraud_alert.avsc.</summary>
    public static RecordSchema FraudAlert => LazyFraudAlert.Value;

    /// <summary>schemas/fraud_label.avsc.</summary>
    public static RecordSchema FraudLabel => LazyFraudLabel.Value;

    /// <summary>schemas/transaction_score.avsc.</summary>
    public static RecordSchema TransactionScore => LazyTransactionScore.Value;

    /// <summary>The JSON text of an embedded schema file (e.g. <c>transaction.avsc</c>).</summary>
    public static string ReadText(string fileName)
    {
        using var stream = typeof(EmbeddedSchemas).Assembly.GetManifestResourceStream($"FraudStream.Avro.{fileName}")
            ?? throw new InvalidOperationException($"The schema '{fileName}' is not embedded in {typeof(EmbeddedSchemas).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static T Load<T>(string fileName)
        where T : AvroSchema => (T)AvroSchema.Parse(ReadText(fileName));
}
