namespace FraudStream.Avro;

/// <summary>The writer schema cannot be read with the reader schema (specification 1.11, "Schema Resolution").</summary>
public sealed class AvroResolutionException(string message, string? missingField = null) : Exception(message)
{
    /// <summary>The reader field the writer lacks (and that has no default), when that is the reason.</summary>
    public string? MissingField { get; } = missingField;
}

/// <summary>Compiles a writer→reader resolution into a tree of <see cref="ValueResolver"/> once, so decoding never walks schemas.</summary>
internal sealed class ResolverCompiler
{
    // Records are memoised per pair so recursive types compile to a cyclic graph instead of recursing forever.
    private readonly Dictionary<(AvroSchema, AvroSchema), ValueResolver> _records = [];

    public static ValueResolver Compile(AvroSchema writer, AvroSchema reader) => new ResolverCompiler().Resolve(writer, reader, "");

    private ValueResolver Resolve(AvroSchema writer, AvroSchema reader, string path)
    {
        if (writer is UnionSchema writerUnion)
        {
            // Each writer branch resolves on its own; a branch the reader cannot read fails only if it is ever written.
            var branches = new ValueResolver[writerUnion.Branches.Count];
            for (var i = 0; i < branches.Length; i++)
            {
                var branch = writerUnion.Branches[i];
                try
                {
                    branches[i] = Resolve(branch, reader, path);
                }
                catch (AvroResolutionException e)
                {
                    var failure = branch.Type == AvroType.Null ? DecodeFailure.MissingRequiredField : DecodeFailure.IncompatibleSchema;
                    var message = branch.Type == AvroType.Null
                        ? $"Field '{Display(path)}' is null but the reader requires a value"
                        : e.Message;
                    branches[i] = new FailingResolver(failure, message, Resolve(branch, branch, path));
                }
            }

            return new WriterUnionResolver(branches);
        }

        if (reader is UnionSchema readerUnion)
        {
            for (var i = 0; i < readerUnion.Branches.Count; i++)
            {
                if (Matches(writer, readerUnion.Branches[i]))
                {
                    return new ReaderUnionResolver(i, Resolve(writer, readerUnion.Branches[i], path));
                }
            }

            throw Incompatible(path, writer, reader);
        }

        switch (writer, reader)
        {
            case (RecordSchema w, RecordSchema r) when SameName(w, r):
                return ResolveRecord(w, r, path);
            case (EnumSchema w, EnumSchema r) when SameName(w, r):
                var defaultIndex = r.Default is null ? -1 : r.IndexOf(r.Default);
                var map = w.Symbols.Select(s => r.IndexOf(s) is var i && i >= 0 ? i : defaultIndex).ToArray();
                return new EnumResolver(r, map, w.FullName);
            case (FixedSchema w, FixedSchema r) when SameName(w, r) && w.Size == r.Size:
                return new FixedResolver(w.Size);
            case (ArraySchema w, ArraySchema r):
                var array = new ArrayResolver();
                array.Items = Resolve(w.Items, r.Items, path + "[]");
                return array;
            case (MapSchema w, MapSchema r):
                var mapResolver = new MapResolver();
                mapResolver.Values = Resolve(w.Values, r.Values, path + "{}");
                return mapResolver;
            case (PrimitiveSchema w, PrimitiveSchema r) when Promotable(w.Type, r.Type):
                return new PrimitiveResolver(w.Type, r.Type);
            default:
                throw Incompatible(path, writer, reader);
        }
    }

    private ValueResolver ResolveRecord(RecordSchema writer, RecordSchema reader, string path)
    {
        if (_records.TryGetValue((writer, reader), out var existing))
        {
            return existing;
        }

        var resolver = new RecordResolver(reader);
        _records[(writer, reader)] = resolver;
        try
        {
            FillRecord(resolver, writer, reader, path);
        }
        catch (AvroResolutionException)
        {
            // A half-built resolver must not be reused by another union branch that names the same pair.
            _records.Remove((writer, reader));
            throw;
        }

        return resolver;
    }

    private void FillRecord(RecordResolver resolver, RecordSchema writer, RecordSchema reader, string path)
    {
        var steps = new List<FieldStep>();
        foreach (var writerField in writer.Fields)
        {
            var fieldPath = path.Length == 0 ? writerField.Name : $"{path}.{writerField.Name}";
            var readerField = reader.GetField(writerField.Name);
            steps.Add(readerField is null
                ? new FieldStep(-1, Resolve(writerField.Schema, writerField.Schema, fieldPath))
                : new FieldStep(readerField.Position, Resolve(writerField.Schema, readerField.Schema, fieldPath)));
        }

        var defaults = new List<FieldDefault>();
        foreach (var readerField in reader.Fields)
        {
            if (writer.GetField(readerField.Name) is not null)
            {
                continue;
            }

            if (!readerField.HasDefault)
            {
                throw new AvroResolutionException(
                    $"The reader's field '{Display(path.Length == 0 ? readerField.Name : $"{path}.{readerField.Name}")}' of record '{reader.FullName}' is missing from the writer's schema and has no default.",
                    readerField.Name);
            }

            defaults.Add(new FieldDefault(readerField.Position, readerField.DefaultValue));
        }

        resolver.Steps = [.. steps];
        resolver.Defaults = [.. defaults];
    }

    /// <summary>The specification's "match" used to pick a reader union branch.</summary>
    private static bool Matches(AvroSchema writer, AvroSchema reader) => (writer, reader) switch
    {
        (RecordSchema w, RecordSchema r) => SameName(w, r),
        (EnumSchema w, EnumSchema r) => SameName(w, r),
        (FixedSchema w, FixedSchema r) => SameName(w, r) && w.Size == r.Size,
        (ArraySchema w, ArraySchema r) => Matches(w.Items, r.Items),
        (MapSchema w, MapSchema r) => Matches(w.Values, r.Values),
        (PrimitiveSchema w, PrimitiveSchema r) => Promotable(w.Type, r.Type),
        _ => false,
    };

    private static bool SameName(NamedSchema writer, NamedSchema reader) =>
        writer.Name == reader.Name || reader.Aliases.Any(a => a == writer.FullName || a == writer.Name);

    private static bool Promotable(AvroType writer, AvroType reader) => writer == reader || (writer, reader) switch
    {
        (AvroType.Int, AvroType.Long or AvroType.Float or AvroType.Double) => true,
        (AvroType.Long, AvroType.Float or AvroType.Double) => true,
        (AvroType.Float, AvroType.Double) => true,
        (AvroType.String, AvroType.Bytes) => true,
        (AvroType.Bytes, AvroType.String) => true,
        _ => false,
    };

    private static string Display(string path) => path.Length == 0 ? "(root)" : path;

    private static AvroResolutionException Incompatible(string path, AvroSchema writer, AvroSchema reader) =>
        new($"At '{Display(path)}' the writer's {Describe(writer)} cannot be read as the reader's {Describe(reader)}.");

    private static string Describe(AvroSchema schema) => schema is NamedSchema n
        ? $"{schema.Type.ToString().ToLowerInvariant()} '{n.FullName}'"
        : schema.ToCanonicalForm();
}
