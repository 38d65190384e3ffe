using System.Buffers;
using FraudStream.Avro.Registry;
using FraudStream.Core.Transactions;

namespace FraudStream.Avro;

/// <summary>
/// Kafka value ↔ <see cref="FraudLabel"/> (the <c>fraud_labels</c> topic): Confluent framing, writer schema from the registry
/// by id, typed decode. A bad message is an <see cref="AvroDecodingException"/>; a registry outage is a
/// <see cref="SchemaRegistryUnavailableException"/> (retry; the message may be fine).
/// </summary>
public sealed class FraudLabelMessageCodec(ISchemaRegistry registry, FraudLabelAvroCodec codec)
{
    /// <summary>A codec over <paramref name="registry"/> with its own <see cref="FraudLabelAvroCodec"/>.</summary>
    public FraudLabelMessageCodec(ISchemaRegistry registry)
        : this(registry, new FraudLabelAvroCodec())
    {
    }

    /// <summary>Decodes a framed message; completes synchronously once the schema id is cached.</summary>
    public async ValueTask<FraudLabel> DecodeAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        var writerSchema = await registry.GetWriterSchemaAsync(message, cancellationToken).ConfigureAwait(false);
        return codec.Decode(message.Span[ConfluentWireFormat.HeaderSize..], writerSchema);
    }

    /// <summary>Frames <paramref name="label"/> with <paramref name="schemaId"/> (the id of schemas/fraud_label.avsc in the registry).</summary>
    public void Encode(FraudLabel label, int schemaId, IBufferWriter<byte> output)
    {
        ConfluentWireFormat.WriteHeader(output, schemaId);
        codec.Encode(label, output);
    }

    /// <summary>Frames into a new array.</summary>
    public byte[] Encode(FraudLabel label, int schemaId)
    {
        var buffer = new ArrayBufferWriter<byte>(96);
        Encode(label, schemaId, buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
