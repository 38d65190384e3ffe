namespace FraudStream.Avro.Registry;

/// <summary>The writer schema of a Confluent-framed message, as every typed message decoder needs it.</summary>
public static class WriterSchemaLookup
{
    /// <summary>
    /// Reads the message's framing and returns the schema its id names; completes synchronously once the id is cached.
    /// </summary>
    /// <exception cref="AvroDecodingException">Bad framing, or an id the registry does not know (a bad message: dead-letter it).</exception>
    /// <exception cref="SchemaRegistryUnavailableException">The registry is down: retry, the message may be fine.</exception>
    public static async ValueTask<AvroSchema> GetWriterSchemaAsync(
        this ISchemaRegistry registry, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var schemaId = ConfluentWireFormat.ReadHeader(message.Span, out _);
        try
        {
            return await registry.GetSchemaAsync(schemaId, cancellationToken).ConfigureAwait(false);
        }
        catch (UnknownSchemaIdException e)
        {
            throw new AvroDecodingException(DecodeFailure.UnknownSchemaId, e.Message, 1, e);
        }
    }
}
