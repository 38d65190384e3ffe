using System.Text.Json;

namespace FraudStream.Avro;

/// <summary>Parses .avsc JSON into <see cref="AvroSchema"/> (named types, namespaces, defaults).</summary>
internal sealed class AvroSchemaParser
{
    private readonly Dictionary<string, NamedSchema> _named = new(StringComparer.Ordinal);
    private readonly List<(RecordSchema Record, List<AvroField> Fields, List<(int Index, JsonElement Default)> Defaults)> _pendingRecords = [];

    public static AvroSchema Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new AvroSchemaException($"The schema is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            var parser = new AvroSchemaParser();
            var schema = parser.ParseElement(document.RootElement, null);
            parser.ResolveDefaults();
            return schema;
        }
    }

    private AvroSchema ParseElement(JsonElement element, string? space) => element.ValueKind switch
    {
        JsonValueKind.String => ParseReference(element.GetString()!, space),
        JsonValueKind.Array => ParseUnion(element, space),
        JsonValueKind.Object => ParseObject(element, space),
        _ => throw new AvroSchemaException($"A schema must be a JSON string, object or array, not {element.ValueKind}: {element.GetRawText()}"),
    };

    private static PrimitiveSchema? Primitive(string name, string? logicalType) => name switch
    {
        "null" => new PrimitiveSchema(AvroType.Null) { LogicalType = logicalType },
        "boolean" => new PrimitiveSchema(AvroType.Boolean) { LogicalType = logicalType },
        "int" => new PrimitiveSchema(AvroType.Int) { LogicalType = logicalType },
        "long" => new PrimitiveSchema(AvroType.Long) { LogicalType = logicalType },
        "float" => new PrimitiveSchema(AvroType.Float) { LogicalType = logicalType },
        "double" => new PrimitiveSchema(AvroType.Double) { LogicalType = logicalType },
        "bytes" => new PrimitiveSchema(AvroType.Bytes) { LogicalType = logicalType },
        "string" => new PrimitiveSchema(AvroType.String) { LogicalType = logicalType },
        _ => null,
    };

    private AvroSchema ParseReference(string name, string? space)
    {
        if (Primitive(name, null) is { } primitive)
        {
            return primitive;
        }

        var fullName = name.Contains('.', StringComparison.Ordinal) || space is null ? name : $"{space}.{name}";
        if (_named.TryGetValue(fullName, out var named) || _named.TryGetValue(name, out named))
        {
            return named;
        }

        throw new AvroSchemaException($"Unknown type '{name}': declare a named type before referring to it, or use a primitive type name.");
    }

    private UnionSchema ParseUnion(JsonElement element, string? space)
    {
        var branches = new List<AvroSchema>();
        foreach (var item in element.EnumerateArray())
        {
            var branch = ParseElement(item, space);
            if (branch.Type == AvroType.Union)
            {
                throw new AvroSchemaException("A union may not immediately contain another union.");
            }

            var duplicate = branches.Any(b => b.Type == branch.Type &&
                (b is not NamedSchema n || n.FullName == ((NamedSchema)branch).FullName));
            if (duplicate)
            {
                throw new AvroSchemaException($"A union may not contain two branches of the same type ({branch.Type}).");
            }

            branches.Add(branch);
        }

        return new UnionSchema(branches);
    }

    private AvroSchema ParseObject(JsonElement element, string? space)
    {
        if (!element.TryGetProperty("type", out var typeElement))
        {
            throw new AvroSchemaException($"A schema object needs a \"type\": {element.GetRawText()}");
        }

        var logicalType = element.TryGetProperty("logicalType", out var lt) && lt.ValueKind == JsonValueKind.String ? lt.GetString() : null;
        if (typeElement.ValueKind != JsonValueKind.String)
        {
            // {"type": {...}} or {"type": [...]}: the nested schema is the type.
            return ParseElement(typeElement, space);
        }

        var type = typeElement.GetString()!;
        switch (type)
        {
            case "record":
            case "error":
                return ParseRecord(element, space);
            case "enum":
                return ParseEnum(element, space);
            case "fixed":
                return ParseFixed(element, space, logicalType);
            case "array":
                return new ArraySchema(ParseElement(Required(element, "items", "array"), space)) { LogicalType = logicalType };
            case "map":
                return new MapSchema(ParseElement(Required(element, "values", "map"), space)) { LogicalType = logicalType };
            default:
                return Primitive(type, logicalType) ?? ParseReference(type, space);
        }
    }

    private static JsonElement Required(JsonElement element, string property, string what) =>
        element.TryGetProperty(property, out var value)
            ? value
            : throw new AvroSchemaException($"A {what} schema needs \"{property}\": {element.GetRawText()}");

    private (string Name, string? Space) ReadName(JsonElement element, string? enclosing, string what)
    {
        var nameElement = Required(element, "name", what);
        if (nameElement.ValueKind != JsonValueKind.String)
        {
            throw new AvroSchemaException($"The name of a {what} must be a string: {nameElement.GetRawText()}");
        }

        var name = nameElement.GetString()!;
        string? space = element.TryGetProperty("namespace", out var ns) && ns.ValueKind == JsonValueKind.String ? ns.GetString() : enclosing;
        var dot = name.LastIndexOf('.');
        if (dot >= 0)
        {
            space = name[..dot];
            name = name[(dot + 1)..];
        }

        ValidateName(name, what);
        if (!string.IsNullOrEmpty(space))
        {
            foreach (var part in space.Split('.'))
            {
                ValidateName(part, "namespace");
            }
        }

        return (name, string.IsNullOrEmpty(space) ? null : space);
    }

    private static void ValidateName(string name, string what)
    {
        var valid = name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') &&
            name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        if (!valid)
        {
            throw new AvroSchemaException($"'{name}' is not a valid {what} name: use [A-Za-z_][A-Za-z0-9_]*.");
        }
    }

    private void Register(NamedSchema schema)
    {
        if (Primitive(schema.Name, null) is not null && schema.Namespace is null)
        {
            throw new AvroSchemaException($"A named type may not be called '{schema.Name}', a primitive type name.");
        }

        if (!_named.TryAdd(schema.FullName, schema))
        {
            throw new AvroSchemaException($"The type '{schema.FullName}' is declared twice.");
        }
    }

    private static string? Doc(JsonElement element) =>
        element.TryGetProperty("doc", out var doc) && doc.ValueKind == JsonValueKind.String ? doc.GetString() : null;

    private static List<string> Aliases(JsonElement element) =>
        element.TryGetProperty("aliases", out var aliases) && aliases.ValueKind == JsonValueKind.Array
            ? aliases.EnumerateArray().Select(a => a.GetString() ?? string.Empty).ToList()
            : [];

    private RecordSchema ParseRecord(JsonElement element, string? space)
    {
        var (name, ns) = ReadName(element, space, "record");
        var record = new RecordSchema(name, ns) { Doc = Doc(element), Aliases = Aliases(element) };
        Register(record);
        var fieldsElement = Required(element, "fields", "record");
        if (fieldsElement.ValueKind != JsonValueKind.Array)
        {
            throw new AvroSchemaException($"The fields of record '{record.FullName}' must be a JSON array.");
        }

        var fields = new List<AvroField>();
        var defaults = new List<(int, JsonElement)>();
        foreach (var fieldElement in fieldsElement.EnumerateArray())
        {
            var fieldName = Required(fieldElement, "name", "field").GetString() ?? string.Empty;
            ValidateName(fieldName, "field");
            if (fields.Any(f => f.Name == fieldName))
            {
                throw new AvroSchemaException($"Record '{record.FullName}' declares the field '{fieldName}' twice.");
            }

            var fieldSchema = ParseElement(Required(fieldElement, "type", "field"), ns);
            var hasDefault = fieldElement.TryGetProperty("default", out var defaultElement);
            if (hasDefault)
            {
                defaults.Add((fields.Count, defaultElement.Clone()));
            }

            fields.Add(new AvroField(fieldName, fields.Count, fieldSchema, hasDefault, null) { Doc = Doc(fieldElement) });
        }

        record.SetFields(fields);
        _pendingRecords.Add((record, fields, defaults));
        return record;
    }

    // Defaults are converted once every named type is complete, so a default may use a type declared later.
    private void ResolveDefaults()
    {
        foreach (var (record, fields, defaults) in _pendingRecords)
        {
            foreach (var (index, json) in defaults)
            {
                var field = fields[index];
                object? value;
                try
                {
                    value = AvroDefaultValue.FromJson(field.Schema, json);
                }
                catch (AvroSchemaException e)
                {
                    throw new AvroSchemaException($"The default of field '{record.FullName}.{field.Name}' is invalid: {e.Message}", e);
                }

                fields[index] = field with { DefaultValue = value };
            }

            record.SetFields(fields);
        }
    }

    private EnumSchema ParseEnum(JsonElement element, string? space)
    {
        var (name, ns) = ReadName(element, space, "enum");
        var symbolsElement = Required(element, "symbols", "enum");
        var symbols = symbolsElement.EnumerateArray().Select(s => s.GetString() ?? string.Empty).ToList();
        foreach (var symbol in symbols)
        {
            ValidateName(symbol, "enum symbol");
        }

        if (symbols.Distinct(StringComparer.Ordinal).Count() != symbols.Count)
        {
            throw new AvroSchemaException($"Enum '{name}' declares a symbol twice.");
        }

        string? defaultSymbol = null;
        if (element.TryGetProperty("default", out var d))
        {
            defaultSymbol = d.GetString();
            if (defaultSymbol is null || !symbols.Contains(defaultSymbol))
            {
                throw new AvroSchemaException($"The default '{d.GetRawText()}' of enum '{name}' is not one of its symbols.");
            }
        }

        var schema = new EnumSchema(name, ns, symbols, defaultSymbol) { Doc = Doc(element), Aliases = Aliases(element) };
        Register(schema);
        return schema;
    }

    private FixedSchema ParseFixed(JsonElement element, string? space, string? logicalType)
    {
        var (name, ns) = ReadName(element, space, "fixed");
        var sizeElement = Required(element, "size", "fixed");
        if (sizeElement.ValueKind != JsonValueKind.Number || !sizeElement.TryGetInt32(out var size) || size < 0)
        {
            throw new AvroSchemaException($"The size of fixed '{name}' must be a non-negative integer.");
        }

        var schema = new FixedSchema(name, ns, size) { Aliases = Aliases(element), LogicalType = logicalType };
        Register(schema);
        return schema;
    }
}
