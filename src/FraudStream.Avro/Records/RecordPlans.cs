using System.Collections.Concurrent;

namespace FraudStream.Avro;

/// <summary>What the typed codecs share: their field order checked against the contract file, and a writer schema compiled once.</summary>
internal static class RecordPlans
{
    /// <summary>Throws when the contract file's fields are not in the order the codec reads them by position.</summary>
    public static void CheckFieldOrder(RecordSchema schema, IReadOnlyList<string> order, string file, string codec)
    {
        for (var i = 0; i < order.Count; i++)
        {
            if (i >= schema.Fields.Count || schema.Fields[i].Name != order[i])
            {
                var found = i < schema.Fields.Count ? schema.Fields[i].Name : "(none)";
                throw new InvalidOperationException($"schemas/{file} field #{i} is '{found}', expected '{order[i]}': update {codec}.");
            }
        }
    }

    /// <summary>
    /// The resolution of <paramref name="writerSchema"/> into <paramref name="readerSchema"/>, or null with the failure every
    /// message of that writer schema gets (remembered per writer schema, so such messages fail without recompiling).
    /// </summary>
    public static RecordResolver? Compile(
        AvroSchema writerSchema, RecordSchema readerSchema, string typeName, out (DecodeFailure Reason, string Message)? failure)
    {
        failure = null;
        ResolvedReader resolved;
        try
        {
            resolved = ResolvedReader.For(writerSchema, readerSchema);
        }
        catch (AvroResolutionException e)
        {
            var reason = e.MissingField is null ? DecodeFailure.IncompatibleSchema : DecodeFailure.MissingRequiredField;
            failure = (reason, $"The writer schema cannot be read as a {typeName}: {e.Message}");
            return null;
        }

        if (resolved.Root is not RecordResolver root)
        {
            failure = (DecodeFailure.IncompatibleSchema, $"The writer schema must be a record to be read as a {typeName}, not {writerSchema.Type}.");
            return null;
        }

        return root;
    }
}

/// <summary>A typed codec's decode plans: its own schema's built once, any other writer schema's on first sight (by instance).</summary>
internal sealed class PlanCache<TPlan>(RecordSchema readerSchema, Func<AvroSchema, TPlan> build)
    where TPlan : class
{
    // Keyed by instance: the registry hands out one instance per schema id, so this stays as small as the ids seen.
    private readonly ConcurrentDictionary<AvroSchema, TPlan> _plans = new(ReferenceEqualityComparer.Instance);

    /// <summary>The plan for bodies written with the reader schema itself.</summary>
    public TPlan Own { get; } = build(readerSchema);

    /// <summary>The plan for bodies written with <paramref name="writerSchema"/>.</summary>
    public TPlan For(AvroSchema writerSchema)
    {
        ArgumentNullException.ThrowIfNull(writerSchema);
        return ReferenceEquals(writerSchema, readerSchema) ? Own : _plans.GetOrAdd(writerSchema, build);
    }
}
