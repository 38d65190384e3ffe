using System.Text.Json;
using Avro.Generic;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using FraudStream.Avro.Registry;
using FraudStream.Avro.Tests.Support;
using FraudStream.Core.Transactions;
using SchemaRegistryClient = FraudStream.Avro.Registry.SchemaRegistryClient;

namespace FraudStream.Avro.Tests;

/// <summary>
/// Our codec against Confluent's AvroSerializer/AvroDeserializer and Apache.Avro, in-process: the same framed bytes both ways,
/// and schema evolution resolved as Apache.Avro resolves it. Confluent's serdes and our client share one registry test double.
/// </summary>
public sealed class ConfluentInteropTests
{
    private const string Topic = "transactions";
    private static readonly SerializationContext ValueContext = new(MessageComponentType.Value, Topic);

    private readonly TransactionAvroCodec _codec = new();
    private FakeSchemaRegistryServer _server = null!;
    private CachedSchemaRegistryClient _confluent = null!;
    private SchemaRegistryClient _ours = null!;
    private TransactionMessageCodec _messages = null!;

    [OneTimeSetUp]
    public void StartRegistry()
    {
        _server = new FakeSchemaRegistryServer();
        _confluent = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = _server.Url.AbsoluteUri });
        _ours = new SchemaRegistryClient(new SchemaRegistryOptions { Url = _server.Url });
        _messages = new TransactionMessageCodec(_ours, _codec);
    }

    [OneTimeTearDown]
    public async Task StopRegistry()
    {
        _ours.Dispose();
        _confluent.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Our_framed_transactions_are_byte_identical_to_Confluents_AvroSerializer()
    {
        // Arrange
        var v1 = ApacheAvro.Parse(TransactionSchemaVersions.V1);
        var transactions = TestTransactions.Corners();

        // Act
        var confluent = await SerializeAsync(transactions.Select(t => ApacheAvro.ToGeneric(v1, t)));
        var id = ConfluentWireFormat.ReadHeader(confluent[0], out _);
        var ours = transactions.Select(t => _messages.Encode(t, id));

        // Assert
        Assert.That(_server.Subjects[SchemaSubjects.ForTopicValue(Topic)], Does.Contain(id));
        Assert.That(ours.Select(Convert.ToHexString), Is.EqualTo(confluent.Select(Convert.ToHexString)));
    }

    [Test]
    public async Task Confluent_serialized_transactions_decode_to_the_same_values()
    {
        // Arrange
        var v1 = ApacheAvro.Parse(TransactionSchemaVersions.V1);
        var transactions = TestTransactions.Corners();
        var confluent = await SerializeAsync(transactions.Select(t => ApacheAvro.ToGeneric(v1, t)));

        // Act
        var decoded = await DecodeAllAsync(confluent);

        // Assert
        Assert.That(decoded, Is.EqualTo(transactions));
    }

    [Test]
    public async Task Our_framed_transactions_deserialize_identically_with_Confluents_AvroDeserializer()
    {
        // Arrange
        var id = await _ours.RegisterAsync(SchemaSubjects.ForTopicValue(Topic), ApacheAvro.WithoutLogicalTypes(TransactionSchemaVersions.V1));
        var transactions = TestTransactions.Corners();
        var deserializer = new AvroDeserializer<GenericRecord>(_confluent);

        // Act
        var records = new List<GenericRecord>();
        foreach (var t in transactions)
        {
            records.Add(await deserializer.DeserializeAsync(_messages.Encode(t, id), isNull: false, ValueContext));
        }

        // Assert
        Assert.That(records.Select(ApacheAvro.FromGeneric), Is.EqualTo(transactions));
    }

    [Test]
    public async Task A_newer_writer_with_added_fields_and_symbols_is_read_as_Apache_Avro_reads_it()
    {
        // Arrange: v2 records from Confluent's serializer; one with a channel symbol v1 does not know.
        var v2 = ApacheAvro.Parse(TransactionSchemaVersions.V2);
        var records = TestTransactions.Corners().Select(t => ApacheAvro.ToGeneric(v2, t)).ToList();
        records.ForEach(r =>
        {
            r.Add("risk_flags", new object[] { "velocity", "geo" });
            r.Add("mcc_group", "grocery");
        });
        records[1].Add("channel", new GenericEnum((global::Avro.EnumSchema)v2["channel"].Schema, "MOTO"));
        var confluent = await SerializeAsync(records);

        // Act
        var ours = await DecodeAllAsync(confluent);
        var apache = confluent.Select(m => ApacheAvro.FromGeneric(ApacheAvro.Read(m[ConfluentWireFormat.HeaderSize..], v2, ApacheAvro.Parse(TransactionSchemaVersions.V1))));

        // Assert
        Assert.That(ours, Is.EqualTo(apache));
        Assert.That(ours[1].Channel, Is.EqualTo(Channel.Unknown), "an unknown symbol takes the reader's enum default");
        Assert.That(ours.Where((_, i) => i != 1), Is.EqualTo(TestTransactions.Corners().Where((_, i) => i != 1)));
    }

    [Test]
    public void An_older_writer_is_read_with_the_newer_readers_defaults_as_Apache_Avro_reads_it()
    {
        // Arrange: v1 bodies from our codec, read as v2.
        var bodies = TestTransactions.Corners().Select(_codec.Encode).ToList();
        var v1 = ApacheAvro.Parse(TransactionSchemaVersions.V1);
        var v2 = ApacheAvro.Parse(TransactionSchemaVersions.V2);
        var resolved = ResolvedReader.For(TransactionAvroCodec.Schema, AvroSchema.Parse(TransactionSchemaVersions.V2));

        // Act
        var ours = bodies.Select(b => Canonical(resolved.Read(b))).ToList();
        var apache = bodies.Select(b => Canonical(ApacheAvro.Read(b, v1, v2))).ToList();

        // Assert
        Assert.That(ours, Is.EqualTo(apache));
        Assert.That(ours[0], Does.Contain("\"risk_flags\":[]").And.Contain("\"mcc_group\":\"other\""));
    }

    [TestCase(nameof(TransactionSchemaVersions.WithoutOptionalFields))]
    [TestCase(nameof(TransactionSchemaVersions.WithNarrowerTypes))]
    public void An_older_writer_is_read_by_our_codec_as_Apache_Avro_reads_it(string version)
    {
        // Arrange: bodies from Apache.Avro's writer with the older schema; values the narrower types hold exactly.
        var text = version == nameof(TransactionSchemaVersions.WithoutOptionalFields) ? TransactionSchemaVersions.WithoutOptionalFields : TransactionSchemaVersions.WithNarrowerTypes;
        var writer = ApacheAvro.Parse(text);
        var narrow = version == nameof(TransactionSchemaVersions.WithNarrowerTypes);
        var bodies = TestTransactions.Corners().Select(t =>
        {
            var record = ApacheAvro.ToGeneric(writer, t);
            if (narrow)
            {
                record.Add("amount", 1234.5f);
                record.Add("merchant_latitude", t.MerchantLatitude is null ? null : -33.25f);
                record.Add("merchant_longitude", t.MerchantLongitude is null ? null : (object)(t.CardPresent == true ? 151 : -122L));
            }

            return ApacheAvro.Write(record);
        }).ToList();

        // Act
        var ours = bodies.Select(b => _codec.Decode(b, AvroSchema.Parse(text))).ToList();
        var apache = bodies.Select(b => ApacheAvro.FromGeneric(ApacheAvro.Read(b, writer, ApacheAvro.Parse(TransactionSchemaVersions.V1)))).ToList();

        // Assert
        Assert.That(ours, Is.EqualTo(apache));
        Assert.That(ours.Select(t => t.CardId), Is.EqualTo(TestTransactions.Corners().Select(t => t.CardId)));
    }

    private async Task<List<byte[]>> SerializeAsync(IEnumerable<GenericRecord> records)
    {
        var serializer = new AvroSerializer<GenericRecord>(_confluent);
        var messages = new List<byte[]>();
        foreach (var record in records)
        {
            messages.Add(await serializer.SerializeAsync(record, ValueContext));
        }

        return messages;
    }

    private async Task<List<Transaction>> DecodeAllAsync(IEnumerable<byte[]> messages)
    {
        var decoded = new List<Transaction>();
        foreach (var message in messages)
        {
            decoded.Add(await _messages.DecodeAsync(message));
        }

        return decoded;
    }

    /// <summary>A generic record of either library as JSON, enums as their symbol.</summary>
    private static string Canonical(object? value) => JsonSerializer.Serialize(Plain(value));

    private static object? Plain(object? value) => value switch
    {
        AvroRecord r => r.Schema.Fields.ToDictionary(f => f.Name, f => Plain(r[f.Name])),
        GenericRecord g => g.Schema.Fields.ToDictionary(f => f.Name, f => Plain(g[f.Name])),
        GenericEnum e => e.Value,
        string s => s,
        System.Collections.IEnumerable items => items.Cast<object?>().Select(Plain).ToList(),
        _ => value,
    };
}
