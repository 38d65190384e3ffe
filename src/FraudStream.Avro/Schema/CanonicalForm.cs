using System.Text;
using System.Text.Json;

namespace FraudStream.Avro;

/// <summary>Parsing Canonical Form (specification 1.11): the identity of a schema for schema-id lookups.</summary>
internal static class CanonicalForm
{
    public static string Write(AvroSchema schema)
    {
        var builder = new StringBuilder();
        Write(schema, builder, new HashSet<string>(StringComparer.Ordinal));
        return builder.ToString();
    }

    private static void Write(AvroSchema schema, StringBuilder b, HashSet<string> seen)
    {
        switch (schema)
        {
            case PrimitiveSchema:
                b.Append('"').Append(schema.Type.ToString().ToLowerInvariant()).Append('"');
                break;
            case NamedSchema named when seen.Contains(named.FullName):
                b.Append(JsonSerializer.Serialize(named.FullName));
                break;
            case RecordSchema record:
                seen.Add(record.FullName);
                b.Append("{\"name\":").Append(JsonSerializer.Serialize(record.FullName)).Append(",\"type\":\"record\",\"fields\":[");
                for (var i = 0; i < record.Fields.Count; i++)
                {
                    if (i > 0)
                    {
                        b.Append(',');
                    }

                    b.Append("{\"name\":").Append(JsonSerializer.Serialize(record.Fields[i].Name)).Append(",\"type\":");
                    Write(record.Fields[i].Schema, b, seen);
                    b.Append('}');
                }

                b.Append("]}");
                break;
            case EnumSchema e:
                seen.Add(e.FullName);
                b.Append("{\"name\":").Append(JsonSerializer.Serialize(e.FullName)).Append(",\"type\":\"enum\",\"symbols\":[")
                    .AppendJoin(',', e.Symbols.Select(s => JsonSerializer.Serialize(s))).Append("]}");
                break;
            case FixedSchema f:
                seen.Add(f.FullName);
                b.Append("{\"name\":").Append(JsonSerializer.Serialize(f.FullName)).Append(",\"type\":\"fixed\",\"size\":").Append(f.Size).Append('}');
                break;
            case ArraySchema a:
                b.Append("{\"type\":\"array\",\"items\":");
                Write(a.Items, b, seen);
                b.Append('}');
                break;
            case MapSchema m:
                b.Append("{\"type\":\"map\",\"values\":");
                Write(m.Values, b, seen);
                b.Append('}');
                break;
            case UnionSchema u:
                b.Append('[');
                for (var i = 0; i < u.Branches.Count; i++)
                {
                    if (i > 0)
                    {
                        b.Append(',');
                    }

                    Write(u.Branches[i], b, seen);
                }

                b.Append(']');
                break;
            default:
                throw new InvalidOperationException($"Unexpected schema {schema.GetType().Name}.");
        }
    }
}
