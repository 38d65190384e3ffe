namespace FraudStream.Avro.Registry;

/// <summary>Where writer schemas come from: Confluent Schema Registry in production, <see cref="LocalSchemaCatalog"/> in the embedded demo.</summary>
public interface ISchemaRegistry
{
    /// <summary>Registers <paramref name="schema"/> under <paramref name="subject"/> (idempotent) and returns its global id.</summary>
    Task<int> RegisterAsync(string subject, string schema, CancellationToken cancellationToken = default);

    /// <summary>The schema with this id; the same instance for every call with the same id.</summary>
    /// <exception cref="UnknownSchemaIdException">The registry answered that no schema has this id: the message is bad, not the registry.</exception>
    /// <exception cref="SchemaRegistryUnavailableException">The registry could not be reached or kept failing: retry later, never dead-letter.</exception>
    ValueTask<AvroSchema> GetSchemaAsync(int id, CancellationToken cancellationToken = default);
}

/// <summary>Subject names under the default TopicNameStrategy.</summary>
public static class SchemaSubjects
{
    /// <summary><c>&lt;topic&gt;-value</c>.</summary>
    public static string ForTopicValue(string topic) => $"{topic}-value";

    /// <summary><c>&lt;topic&gt;-key</c>.</summary>
    public static string ForTopicKey(string topic) => $"{topic}-key";
}

/// <summary>The Schema Registry refused a request (a definitive answer, not an outage).</summary>
public class SchemaRegistryException : Exception
{
    public SchemaRegistryException(string message, int statusCode = 0, int errorCode = 0, Exception? inner = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
    }

    /// <summary>HTTP status, or 0 when there was no response.</summary>
    public int StatusCode { get; }

    /// <summary>The registry's <c>error_code</c> (e.g. 40403), or 0.</summary>
    public int ErrorCode { get; }
}

/// <summary>No schema has this id (HTTP 404, error_code 40403): the message that carries it belongs in the DLQ.</summary>
public sealed class UnknownSchemaIdException(int schemaId, string message)
    : SchemaRegistryException(message, 404, 40403)
{
    /// <summary>The id nobody knows.</summary>
    public int SchemaId { get; } = schemaId;
}

/// <summary>The Schema Registry is unreachable, timing out or failing (5xx) after retries: back off and retry; never dead-letter.</summary>
public sealed class SchemaRegistryUnavailableException(string message, Exception? inner)
    : Exception(message, inner);
