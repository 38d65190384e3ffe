namespace FraudStream.Avro;

/// <summary>
/// A generic record value. Generic values are: null, bool, int, long, float, double, string, byte[] (bytes and fixed),
/// string (enum symbol), <see cref="AvroRecord"/>, <see cref="List{T}"/> of values (array) and
/// <see cref="Dictionary{TKey, TValue}"/> from string (map).
/// </summary>
public sealed class AvroRecord
{
    private readonly object?[] _values;

    public AvroRecord(RecordSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        Schema = schema;
        _values = new object?[schema.Fields.Count];
    }

    /// <summary>The record's schema.</summary>
    public RecordSchema Schema { get; }

    /// <summary>The value of the field at this position.</summary>
    public object? this[int position]
    {
        get => _values[position];
        set => _values[position] = value;
    }

    /// <summary>The value of the named field.</summary>
    public object? this[string name]
    {
        get => _values[Position(name)];
        set => _values[Position(name)] = value;
    }

    private int Position(string name) =>
        Schema.GetField(name)?.Position ?? throw new KeyNotFoundException($"Record '{Schema.FullName}' has no field '{name}'.");
}
