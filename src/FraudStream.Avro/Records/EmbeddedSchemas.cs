namespace FraudStream.Avro;

/// <summary>The schemas/ files compiled into this assembly, so the typed codecs use exactly the contract files.</summary>
public static class EmbeddedSchemas
{
    private static readonly Lazy<RecordSchema> LazyTransaction = new(() => Load<RecordSchema>("transaction.avsc"));
    private static readonly Lazy<RecordSchema> LazyFraudAlert = new(() => Load<RecordSchema>("fraud_alert.avsc"));

    /// <summary>schemas/transaction.avsc.</summary>
    public static RecordSchema Transaction => LazyTransaction.Value;

    /// <summary>schemas/fraud_alert.avsc.</summary>
    public static RecordSchema FraudAlert => LazyFraudAlert.Value;

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
