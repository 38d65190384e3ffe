namespace FraudStream.Avro.Registry;

/// <summary>
/// An in-process <see cref="ISchemaRegistry"/> for the embedded demo: the .avsc files of a folder get ids 1, 2, ...
/// in ordinal file-name order (deterministic across runs); registering a schema with the same canonical form returns its id.
/// </summary>
public sealed class LocalSchemaCatalog : ISchemaRegistry
{
    private readonly Lock _lock = new();
    private readonly List<AvroSchema> _byId = [];
    private readonly Dictionary<string, int> _idByCanonicalForm = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _idByFileName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> _versionsBySubject = new(StringComparer.Ordinal);

    /// <summary>A catalog of the given schema texts, ids in the order given.</summary>
    public LocalSchemaCatalog(IEnumerable<KeyValuePair<string, string>> schemasByFileName)
    {
        ArgumentNullException.ThrowIfNull(schemasByFileName);
        foreach (var (fileName, text) in schemasByFileName)
        {
            AvroSchema schema;
            try
            {
                schema = AvroSchema.Parse(text);
            }
            catch (AvroSchemaException e)
            {
                throw new AvroSchemaException($"{fileName}: {e.Message}", e);
            }

            _idByFileName[fileName] = Add(schema);
        }
    }

    /// <summary>A catalog of <paramref name="directory"/>/*.avsc.</summary>
    public static LocalSchemaCatalog FromDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"The schema folder '{directory}' does not exist: point it at the repository's schemas/ folder.");
        }

        var files = Directory.GetFiles(directory, "*.avsc").Order(StringComparer.Ordinal)
            .Select(path => KeyValuePair.Create(Path.GetFileName(path), File.ReadAllText(path)));
        return new LocalSchemaCatalog(files);
    }

    /// <summary>The catalog of the schemas compiled into this assembly (fraud_alert.avsc = 1, fraud_label.avsc = 2, transaction.avsc = 3, transaction_score.avsc = 4).</summary>
    public static LocalSchemaCatalog FromEmbeddedSchemas() => new(
        EmbeddedSchemas.FileNames.Select(f => KeyValuePair.Create(f, EmbeddedSchemas.ReadText(f))));

    /// <summary>The id of a schema file, e.g. <c>transaction.avsc</c>.</summary>
    public int IdOf(string fileName) =>
        _idByFileName.TryGetValue(fileName, out var id) ? id : throw new KeyNotFoundException($"The catalog has no schema file '{fileName}'.");

    /// <inheritdoc />
    public Task<int> RegisterAsync(string subject, string schema, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        var parsed = AvroSchema.Parse(schema);
        lock (_lock)
        {
            var id = Add(parsed);
            var versions = _versionsBySubject.TryGetValue(subject, out var list) ? list : _versionsBySubject[subject] = [];
            if (!versions.Contains(id))
            {
                versions.Add(id);
            }

            return Task.FromResult(id);
        }
    }

    /// <inheritdoc />
    public ValueTask<AvroSchema> GetSchemaAsync(int id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return id >= 1 && id <= _byId.Count
                ? ValueTask.FromResult(_byId[id - 1])
                : ValueTask.FromException<AvroSchema>(new UnknownSchemaIdException(id, $"The local schema catalog has no schema with id {id} (ids 1-{_byId.Count})."));
        }
    }

    private int Add(AvroSchema schema)
    {
        var canonical = schema.ToCanonicalForm();
        if (_idByCanonicalForm.TryGetValue(canonical, out var existing))
        {
            return existing;
        }

        _byId.Add(schema);
        _idByCanonicalForm[canonical] = _byId.Count;
        return _byId.Count;
    }
}
