namespace FraudStream.Avro;

/// <summary>The kinds of Avro schema (specification 1.11, "Schema Declaration").</summary>
public enum AvroType
{
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Bytes,
    String,
    Record,
    Enum,
    Array,
    Map,
    Union,
    Fixed,
}

/// <summary>A parsed Avro schema; instances are immutable once parsing has finished.</summary>
public abstract class AvroSchema
{
    private protected AvroSchema(AvroType type) => Type = type;

    /// <summary>The kind of schema.</summary>
    public AvroType Type { get; }

    /// <summary>The logical type annotation (e.g. <c>timestamp-millis</c>), if any.</summary>
    public string? LogicalType { get; init; }

    /// <summary>Parses a schema from its JSON declaration (.avsc text).</summary>
    public static AvroSchema Parse(string json) => AvroSchemaParser.Parse(json);

    /// <summary>The schema's Parsing Canonical Form: equal for schemas that read and write the same bytes.</summary>
    public string ToCanonicalForm() => CanonicalForm.Write(this);

    /// <inheritdoc />
    public override string ToString() => ToCanonicalForm();
}

/// <summary>null, boolean, int, long, float, double, bytes or string.</summary>
public sealed class PrimitiveSchema : AvroSchema
{
    internal PrimitiveSchema(AvroType type)
        : base(type)
    {
    }

    internal static readonly PrimitiveSchema NullSchema = new(AvroType.Null);
}

/// <summary>A record, enum or fixed: a type with a full name.</summary>
public abstract class NamedSchema : AvroSchema
{
    private protected NamedSchema(AvroType type, string name, string? space)
        : base(type)
    {
        Name = name;
        Namespace = string.IsNullOrEmpty(space) ? null : space;
    }

    /// <summary>Unqualified name.</summary>
    public string Name { get; }

    /// <summary>Namespace, or null for the null namespace.</summary>
    public string? Namespace { get; }

    /// <summary>Namespace-qualified name.</summary>
    public string FullName => Namespace is null ? Name : $"{Namespace}.{Name}";

    /// <summary>Documentation, if declared.</summary>
    public string? Doc { get; init; }

    /// <summary>Alternative full names.</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];
}

/// <summary>A field of a record.</summary>
/// <param name="Name">Field name.</param>
/// <param name="Position">Zero-based position in the record.</param>
/// <param name="Schema">The field's schema.</param>
/// <param name="HasDefault">Whether a default value was declared (a declared <c>null</c> counts).</param>
/// <param name="DefaultValue">The default as a generic value (see <see cref="AvroRecord"/>), when <paramref name="HasDefault"/>.</param>
public sealed record AvroField(string Name, int Position, AvroSchema Schema, bool HasDefault, object? DefaultValue)
{
    /// <summary>Documentation, if declared.</summary>
    public string? Doc { get; init; }
}

/// <summary>A record schema.</summary>
public sealed class RecordSchema : NamedSchema
{
    private List<AvroField> _fields = [];
    private Dictionary<string, AvroField> _byName = new(StringComparer.Ordinal);

    internal RecordSchema(string name, string? space)
        : base(AvroType.Record, name, space)
    {
    }

    /// <summary>The fields, in declaration order.</summary>
    public IReadOnlyList<AvroField> Fields => _fields;

    /// <summary>The field with this name, or null.</summary>
    public AvroField? GetField(string name) => _byName.GetValueOrDefault(name);

    internal void SetFields(List<AvroField> fields)
    {
        _fields = fields;
        _byName = fields.ToDictionary(f => f.Name, StringComparer.Ordinal);
    }
}

/// <summary>An enum schema.</summary>
public sealed class EnumSchema : NamedSchema
{
    private readonly Dictionary<string, int> _index;

    internal EnumSchema(string name, string? space, IReadOnlyList<string> symbols, string? defaultSymbol)
        : base(AvroType.Enum, name, space)
    {
        Symbols = symbols;
        Default = defaultSymbol;
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < symbols.Count; i++)
        {
            _index[symbols[i]] = i;
        }
    }

    /// <summary>The symbols, in declaration order (the encoded index is the position here).</summary>
    public IReadOnlyList<string> Symbols { get; }

    /// <summary>The symbol a reader uses for a writer symbol it does not know, or null.</summary>
    public string? Default { get; }

    /// <summary>The symbol's index, or -1.</summary>
    public int IndexOf(string symbol) => _index.GetValueOrDefault(symbol, -1);
}

/// <summary>A fixed-size byte sequence.</summary>
public sealed class FixedSchema : NamedSchema
{
    internal FixedSchema(string name, string? space, int size)
        : base(AvroType.Fixed, name, space) => Size = size;

    /// <summary>Number of bytes.</summary>
    public int Size { get; }
}

/// <summary>An array schema.</summary>
public sealed class ArraySchema : AvroSchema
{
    internal ArraySchema(AvroSchema items)
        : base(AvroType.Array) => Items = items;

    /// <summary>The items' schema.</summary>
    public AvroSchema Items { get; }
}

/// <summary>A map schema (keys are strings).</summary>
public sealed class MapSchema : AvroSchema
{
    internal MapSchema(AvroSchema values)
        : base(AvroType.Map) => Values = values;

    /// <summary>The values' schema.</summary>
    public AvroSchema Values { get; }
}

/// <summary>A union; encoded as the branch index then the value.</summary>
public sealed class UnionSchema : AvroSchema
{
    internal UnionSchema(IReadOnlyList<AvroSchema> branches)
        : base(AvroType.Union) => Branches = branches;

    /// <summary>The branches, in declaration order.</summary>
    public IReadOnlyList<AvroSchema> Branches { get; }
}

/// <summary>The schema text is not a valid Avro schema.</summary>
public sealed class AvroSchemaException : Exception
{
    public AvroSchemaException(string message)
        : base(message)
    {
    }

    public AvroSchemaException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
