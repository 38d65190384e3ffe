using System.Buffers;
using FraudStream.Avro.Registry;
using FraudStream.Core.Transactions;

namespace FraudStream.Avro;

/// <summary>
/// Kafka value ↔ <see cref="Transaction"/>: Confluent framing, writer schema from the registry by id, typed decode.
/// A bad message is an <see cref="AvroDecodingException"/> (dead-letter it, reason = <see cref="AvroDecodingException.Reason"/>);
/// a registry outage is a <see cref="SchemaRegistryUnavailableException"/> (retry; never dead-letter).
/// </summary>
public sealed class TransactionMessageCodec(ISchemaRegistry registry, TransactionAvroCodec codec)
{
    /// <summary>Decodes a framed message; completes synchronously once the schema id is cached.</summary>
    public async ValueTask<Transaction> DecodeAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        var writerSchema = await registry.GetWriterSchemaAsync(message, cancellationToken).ConfigureAwait(false);
        return codec.Decode(message.Span[ConfluentWireFormat.HeaderSize..], writerSchema);
    }

    /// <summary>Frames <paramref name="transaction"/> with <paramref name="schemaId"/> (the id of schemas/transaction.avsc in the registry).</summary>
    public void Encode(Transaction transaction, int schemaId, IBufferWriter<byte> output)
    {
        ConfluentWireFormat.WriteHeader(output, schemaId);
        codec.Encode(transaction, output);
    }

    /// <summary>Frames into a new array.</summary>
    public byte[] Encode(Transaction transaction, int schemaId)
    {
        var buffer = new ArrayBufferWriter<byte>(160);
        Encode(transaction, schemaId, buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
