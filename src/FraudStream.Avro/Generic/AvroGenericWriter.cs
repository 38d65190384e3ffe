using System.Collections;

namespace FraudStream.Avro;

/// <summary>Encodes generic values (see <see cref="AvroRecord"/>) with a schema. Not for hot paths: it walks the schema per value.</summary>
public static class AvroGenericWriter
{
    /// <summary>Encodes <paramref name="value"/> as <paramref name="schema"/>.</summary>
    public static void Write(AvroSchema schema, object? value, ref AvroWriter writer)
    {
        ArgumentNullException.ThrowIfNull(schema);
        switch (schema)
        {
            case UnionSchema union:
                var branch = SelectBranch(union, value);
                writer.WriteUnionIndex(branch);
                Write(union.Branches[branch], value, ref writer);
                return;
            case RecordSchema record:
                var r = value as AvroRecord ?? throw Mismatch(schema, value);
                foreach (var field in record.Fields)
                {
                    Write(field.Schema, r[field.Name], ref writer);
                }

                return;
            case EnumSchema e:
                var index = value is string s ? e.IndexOf(s) : -1;
                writer.WriteEnumIndex(index >= 0 ? index : throw Mismatch(schema, value));
                return;
            case FixedSchema f:
                var fixedBytes = value as byte[] ?? throw Mismatch(schema, value);
                writer.WriteFixed(fixedBytes.Length == f.Size ? fixedBytes : throw Mismatch(schema, value));
                return;
            case ArraySchema a:
                var list = value as IList ?? throw Mismatch(schema, value);
                if (list.Count > 0)
                {
                    writer.WriteBlockCount(list.Count);
                    foreach (var item in list)
                    {
                        Write(a.Items, item, ref writer);
                    }
                }

                writer.WriteEndOfBlocks();
                return;
            case MapSchema m:
                var map = value as IDictionary<string, object?> ?? throw Mismatch(schema, value);
                if (map.Count > 0)
                {
                    writer.WriteBlockCount(map.Count);
                    foreach (var (key, item) in map)
                    {
                        writer.WriteString(key);
                        Write(m.Values, item, ref writer);
                    }
                }

                writer.WriteEndOfBlocks();
                return;
        }

        switch (schema.Type, value)
        {
            case (AvroType.Null, null):
                return;
            case (AvroType.Boolean, bool b):
                writer.WriteBoolean(b);
                return;
            case (AvroType.Int, int i):
                writer.WriteInt(i);
                return;
            case (AvroType.Long, long l):
                writer.WriteLong(l);
                return;
            case (AvroType.Long, int i):
                writer.WriteLong(i);
                return;
            case (AvroType.Float, float f):
                writer.WriteFloat(f);
                return;
            case (AvroType.Double, double d):
                writer.WriteDouble(d);
                return;
            case (AvroType.Double, float f):
                writer.WriteDouble(f);
                return;
            case (AvroType.Bytes, byte[] bytes):
                writer.WriteBytes(bytes);
                return;
            case (AvroType.String, string str):
                writer.WriteString(str);
                return;
            default:
                throw Mismatch(schema, value);
        }
    }

    private static int SelectBranch(UnionSchema union, object? value)
    {
        for (var i = 0; i < union.Branches.Count; i++)
        {
            if (Matches(union.Branches[i], value))
            {
                return i;
            }
        }

        throw Mismatch(union, value);
    }

    private static bool Matches(AvroSchema schema, object? value) => (schema, value) switch
    {
        ({ Type: AvroType.Null }, null) => true,
        ({ Type: AvroType.Boolean }, bool) => true,
        ({ Type: AvroType.Int }, int) => true,
        ({ Type: AvroType.Long }, long or int) => true,
        ({ Type: AvroType.Float }, float) => true,
        ({ Type: AvroType.Double }, double or float) => true,
        ({ Type: AvroType.Bytes }, byte[]) => true,
        ({ Type: AvroType.String }, string) => true,
        (EnumSchema e, string s) => e.IndexOf(s) >= 0,
        (FixedSchema f, byte[] b) => b.Length == f.Size,
        (RecordSchema r, AvroRecord v) => v.Schema.FullName == r.FullName,
        (ArraySchema, IList) => true,
        (MapSchema, IDictionary<string, object?>) => true,
        _ => false,
    };

    private static ArgumentException Mismatch(AvroSchema schema, object? value) =>
        new($"A {value?.GetType().Name ?? "null"} value cannot be written as {schema}.", nameof(value));
}
