using System.Collections.Concurrent;

namespace FraudStream.Avro;

/// <summary>
/// Reads values written with one schema as another: the resolution is compiled once per (writer, reader) pair
/// and cached, so a record decode never walks the schemas.
/// </summary>
public sealed class ResolvedReader
{
    // Keyed by schema instance: callers hold one instance per schema id (the registry caches them), so this stays small.
    private static readonly ConcurrentDictionary<(AvroSchema Writer, AvroSchema Reader), ResolvedReader> Cache = new();

    private ResolvedReader(AvroSchema writer, AvroSchema reader)
    {
        WriterSchema = writer;
        ReaderSchema = reader;
        Root = ResolverCompiler.Compile(writer, reader);
    }

    /// <summary>The schema the bytes were written with.</summary>
    public AvroSchema WriterSchema { get; }

    /// <summary>The schema the values are returned as.</summary>
    public AvroSchema ReaderSchema { get; }

    internal ValueResolver Root { get; }

    /// <summary>The cached reader for this pair; throws <see cref="AvroResolutionException"/> if the schemas are incompatible.</summary>
    public static ResolvedReader For(AvroSchema writer, AvroSchema reader)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(reader);
        return Cache.TryGetValue((writer, reader), out var cached)
            ? cached
            : Cache.GetOrAdd((writer, reader), static key => new ResolvedReader(key.Writer, key.Reader));
    }

    /// <summary>Reads one value (a generic value, see <see cref="AvroRecord"/>) that must span the whole input.</summary>
    public object? Read(ReadOnlySpan<byte> body)
    {
        var reader = new AvroReader(body);
        var value = Root.ReadGeneric(ref reader);
        reader.EnsureEnd();
        return value;
    }

    /// <summary>Reads one value and leaves the reader after it.</summary>
    public object? Read(ref AvroReader reader) => Root.ReadGeneric(ref reader);
}
