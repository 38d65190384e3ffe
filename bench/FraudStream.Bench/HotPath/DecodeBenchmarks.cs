using BenchmarkDotNet.Attributes;
using FraudStream.Avro;
using FraudStream.Avro.Registry;

namespace FraudStream.Bench.HotPath;

/// <summary>
/// The scorer's first step per record: a Confluent-framed Avro transaction to a <see cref="Core.Transactions.Transaction"/>,
/// through the message codec (header, schema id lookup in the catalog, writer→reader plan) against the bare body decode.
/// </summary>
[Config(typeof(HotPathConfig))]
public class DecodeBenchmarks
{
    private const int Batch = HotPathWorkload.BatchSize;

    private readonly TransactionAvroCodec _codec = new();
    private TransactionMessageCodec? _messageCodec;
    private AvroSchema? _writerSchema;
    private byte[][] _messages = [];

    [GlobalSetup]
    public void Setup()
    {
        var catalog = LocalSchemaCatalog.FromEmbeddedSchemas();
        var schemaId = catalog.IdOf("transaction.avsc");
        _messageCodec = new TransactionMessageCodec(catalog, _codec);
        _writerSchema = catalog.GetSchemaAsync(schemaId).AsTask().GetAwaiter().GetResult();
        _messages = [.. HotPathWorkload.Batch().Select(t => _messageCodec.Encode(t, schemaId))];
    }

    /// <summary>The Avro body alone, writer schema in hand; returns a checksum of the amounts.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public double DecodeBody500()
    {
        var sum = 0.0;
        foreach (var message in _messages)
        {
            sum += _codec.Decode(message.AsSpan(ConfluentWireFormat.HeaderSize), _writerSchema!).Amount;
        }

        return sum;
    }

    /// <summary>As the scorer decodes: the framed message through <see cref="TransactionMessageCodec.DecodeAsync"/>.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public double DecodeFramed500() => SumOfAmounts(_messageCodec!, _messages);

    /// <summary>Decodes every message as the scorer does; returns a checksum of the amounts.</summary>
    internal static double SumOfAmounts(TransactionMessageCodec codec, byte[][] messages)
    {
        var sum = 0.0;
        foreach (var message in messages)
        {
            var pending = codec.DecodeAsync(message);
            sum += (pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult()).Amount;
        }

        return sum;
    }
}
