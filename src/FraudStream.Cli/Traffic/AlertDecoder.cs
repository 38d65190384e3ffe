using FraudStream.Avro;
using FraudStream.Avro.Registry;
using FraudStream.Core.Outputs;

namespace FraudStream.Cli.Traffic;

/// <summary>A <c>fraud_alerts</c> value → <see cref="FraudAlert"/>: Confluent framing, writer schema by id, typed decode.</summary>
internal sealed class AlertDecoder(ISchemaRegistry schemas)
{
    private readonly FraudAlertAvroCodec _codec = new();

    /// <summary>Decodes one value; completes synchronously once its schema id is cached.</summary>
    /// <exception cref="AvroDecodingException">The record is bad (its reason names why).</exception>
    /// <exception cref="SchemaRegistryUnavailableException">The registry is down: retry, the record may be fine.</exception>
    public async ValueTask<FraudAlert> DecodeAsync(byte[]? value, CancellationToken cancellationToken = default)
    {
        if (value is null)
        {
            throw new AvroDecodingException(DecodeFailure.MissingHeader, "The record has no value (a tombstone)");
        }

        var writerSchema = await schemas.GetWriterSchemaAsync(value, cancellationToken).ConfigureAwait(false);
        return _codec.Decode(value.AsSpan(ConfluentWireFormat.HeaderSize), writerSchema);
    }

    /// <summary>Decodes on a thread that may block (a consumer's own thread) until the registry answers.</summary>
    public FraudAlert Decode(byte[]? value)
    {
        var pending = DecodeAsync(value);
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }
}
