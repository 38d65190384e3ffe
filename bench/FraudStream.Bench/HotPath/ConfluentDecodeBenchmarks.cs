using Avro.Generic;
using BenchmarkDotNet.Attributes;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using FraudStream.Avro;
using FraudStream.Avro.Registry;
using FraudStream.Bench.HotPath.Confluent;

namespace FraudStream.Bench.HotPath;

/// <summary>
/// The same framed transactions decoded per record by our codec (as the scorer does) and by Confluent's AvroDeserializer,
/// generic and specific, each with its registry client's cache warm: what keeping our own decoder buys.
/// </summary>
[Config(typeof(HotPathConfig))]
public class ConfluentDecodeBenchmarks
{
    private const int Batch = HotPathWorkload.BatchSize;
    private static readonly SerializationContext Context = new(MessageComponentType.Value, "transactions");

    private TransactionMessageCodec? _ours;
    private SchemaByIdStub? _registry;
    private CachedSchemaRegistryClient? _client;
    private AvroDeserializer<GenericRecord>? _generic;
    private AvroDeserializer<fraudstream.Transaction>? _specific;
    private byte[][] _messages = [];

    [GlobalSetup]
    public void Setup()
    {
        var catalog = LocalSchemaCatalog.FromEmbeddedSchemas();
        var schemaId = catalog.IdOf("transaction.avsc");
        _ours = new TransactionMessageCodec(catalog, new TransactionAvroCodec());
        _messages = [.. HotPathWorkload.Batch().Select(t => _ours.Encode(t, schemaId))];

        _registry = new SchemaByIdStub(schemaId, EmbeddedSchemas.ReadText("transaction.avsc"));
        _client = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = _registry.Url.AbsoluteUri });
        _generic = new AvroDeserializer<GenericRecord>(_client);
        _specific = new AvroDeserializer<fraudstream.Transaction>(_client);

        // Each decodes once here, so the schema is fetched and cached before anything is measured.
        if (Ours() != Generic() || Ours() != Specific())
        {
            throw new InvalidOperationException("The three decoders disagree on the batch's amounts.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client?.Dispose();
        _registry?.Dispose();
    }

    /// <summary>Our codec: framing, writer schema by id, typed decode to a Transaction; returns a checksum of the amounts.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public double Ours() => DecodeBenchmarks.SumOfAmounts(_ours!, _messages);

    /// <summary>Confluent's AvroDeserializer to Apache.Avro's GenericRecord.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public double Generic()
    {
        var sum = 0.0;
        foreach (var message in _messages)
        {
            sum += (double)_generic!.DeserializeAsync(message, isNull: false, Context).GetAwaiter().GetResult()["amount"];
        }

        return sum;
    }

    /// <summary>Confluent's AvroDeserializer to a specific record (the class avrogen would generate).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public double Specific()
    {
        var sum = 0.0;
        foreach (var message in _messages)
        {
            sum += _specific!.DeserializeAsync(message, isNull: false, Context).GetAwaiter().GetResult().amount;
        }

        return sum;
    }
}
