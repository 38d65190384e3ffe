using System.Globalization;
using System.Text.Json;

namespace FraudStream.Avro;

/// <summary>Turns a field's JSON default into a generic value, as the specification's default-value table says.</summary>
internal static class AvroDefaultValue
{
    public static object? FromJson(AvroSchema schema, JsonElement json)
    {
        switch (schema)
        {
            case UnionSchema union:
                // A union's default is a value of its first branch.
                return FromJson(union.Branches[0], json);
            case RecordSchema record:
                Expect(json, JsonValueKind.Object, schema);
                var value = new AvroRecord(record);
                foreach (var field in record.Fields)
                {
                    if (json.TryGetProperty(field.Name, out var fieldJson))
                    {
                        value[field.Position] = FromJson(field.Schema, fieldJson);
                    }
                    else if (field.HasDefault)
                    {
                        value[field.Position] = field.DefaultValue;
                    }
                    else
                    {
                        throw new AvroSchemaException($"the record default lacks field '{field.Name}'");
                    }
                }

                return value;
            case EnumSchema e:
                Expect(json, JsonValueKind.String, schema);
                var symbol = json.GetString()!;
                return e.IndexOf(symbol) >= 0 ? symbol : throw new AvroSchemaException($"'{symbol}' is not a symbol of enum '{e.FullName}'");
            case ArraySchema a:
                Expect(json, JsonValueKind.Array, schema);
                return json.EnumerateArray().Select(item => FromJson(a.Items, item)).ToList();
            case MapSchema m:
                Expect(json, JsonValueKind.Object, schema);
                return json.EnumerateObject().ToDictionary(p => p.Name, p => FromJson(m.Values, p.Value), StringComparer.Ordinal);
            case FixedSchema f:
                var fixedBytes = Latin1Bytes(json, schema);
                return fixedBytes.Length == f.Size ? fixedBytes : throw new AvroSchemaException($"a fixed({f.Size}) default has {fixedBytes.Length} bytes");
        }

        return schema.Type switch
        {
            AvroType.Null => json.ValueKind == JsonValueKind.Null ? null : throw Mismatch(json, schema),
            AvroType.Boolean => json.ValueKind is JsonValueKind.True or JsonValueKind.False ? json.GetBoolean() : throw Mismatch(json, schema),
            AvroType.Int => json.ValueKind == JsonValueKind.Number && json.TryGetInt32(out var i) ? i : throw Mismatch(json, schema),
            AvroType.Long => json.ValueKind == JsonValueKind.Number && json.TryGetInt64(out var l) ? l : throw Mismatch(json, schema),
            AvroType.Float => json.ValueKind == JsonValueKind.Number ? (float)json.GetDouble() : SpecialNumber(json, schema) is var f ? (float)f : 0f,
            AvroType.Double => json.ValueKind == JsonValueKind.Number ? json.GetDouble() : SpecialNumber(json, schema),
            AvroType.Bytes => Latin1Bytes(json, schema),
            AvroType.String => json.ValueKind == JsonValueKind.String ? json.GetString() : throw Mismatch(json, schema),
            _ => throw Mismatch(json, schema),
        };
    }

    private static double SpecialNumber(JsonElement json, AvroSchema schema) =>
        json.ValueKind == JsonValueKind.String && double.TryParse(json.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? d
            : throw Mismatch(json, schema);

    // The specification encodes bytes/fixed defaults as strings whose code points 0-255 are the byte values.
    private static byte[] Latin1Bytes(JsonElement json, AvroSchema schema)
    {
        Expect(json, JsonValueKind.String, schema);
        var text = json.GetString()!;
        var bytes = new byte[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            bytes[i] = text[i] <= 0xFF ? (byte)text[i] : throw new AvroSchemaException($"a bytes default has the code point U+{(int)text[i]:X4} above U+00FF");
        }

        return bytes;
    }

    private static void Expect(JsonElement json, JsonValueKind kind, AvroSchema schema)
    {
        if (json.ValueKind != kind)
        {
            throw Mismatch(json, schema);
        }
    }

    private static AvroSchemaException Mismatch(JsonElement json, AvroSchema schema) =>
        new($"{json.GetRawText()} is not a valid default for a {schema.Type.ToString().ToLowerInvariant()}");
}
