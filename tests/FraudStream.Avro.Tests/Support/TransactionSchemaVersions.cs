namespace FraudStream.Avro.Tests.Support;

/// <summary>schemas/transaction.avsc (v1) and the versions the evolution tests write or read with.</summary>
internal static class TransactionSchemaVersions
{
    public static readonly string V1 = EmbeddedSchemas.ReadText("transaction.avsc");

    /// <summary>v2 adds two fields with defaults and a channel symbol v1 does not know.</summary>
    public static readonly string V2 = V1
        .Replace("\"UNKNOWN\"]", "\"UNKNOWN\", \"MOTO\"]", StringComparison.Ordinal)
        .Replace(
            """{"name": "cardholder_longitude", "type": ["null", "double"], "default": null}""",
            """{"name": "cardholder_longitude", "type": ["null", "double"], "default": null}, {"name": "risk_flags", "type": {"type": "array", "items": "string"}, "default": []}, {"name": "mcc_group", "type": "string", "default": "other"}""",
            StringComparison.Ordinal);

    /// <summary>An older writer without the optional merchant_country and cardholder latitude (v1 fills their defaults).</summary>
    public static readonly string WithoutOptionalFields = V1
        .Replace("""{"name": "merchant_country", "type": ["null", "string"], "default": null, "doc": "ISO 3166-1 alpha-2."},""", "", StringComparison.Ordinal)
        .Replace("""{"name": "cardholder_latitude", "type": ["null", "double"], "default": null, "doc": "Card-holder's home location, when the issuer knows it."},""", "", StringComparison.Ordinal);

    /// <summary>A writer with narrower types v1 promotes: float amount and latitude, int or long longitude.</summary>
    public static readonly string WithNarrowerTypes = V1
        .Replace("""{"name": "amount", "type": "double",""", """{"name": "amount", "type": "float",""", StringComparison.Ordinal)
        .Replace("""{"name": "merchant_latitude", "type": ["null", "double"]""", """{"name": "merchant_latitude", "type": ["null", "float"]""", StringComparison.Ordinal)
        .Replace("""{"name": "merchant_longitude", "type": ["null", "double"]""", """{"name": "merchant_longitude", "type": ["null", "int", "long"]""", StringComparison.Ordinal);
}
