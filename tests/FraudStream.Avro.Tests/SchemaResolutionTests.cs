using System.Buffers;
using FraudStream.Avro.Tests.Support;
using FraudStream.Core.Transactions;

namespace FraudStream.Avro.Tests;

/// <summary>Writer→reader resolution as the specification defines it, generic and through the typed Transaction codec.</summary>
public sealed class SchemaResolutionTests
{
    private static readonly string V1 = TransactionSchemaVersions.V1;
    private static readonly string V2 = TransactionSchemaVersions.V2;

    [Test]
    public void The_v2_fixture_really_adds_fields()
    {
        // Act
        var v2 = (RecordSchema)AvroSchema.Parse(V2);

        // Assert
        Assert.That(v2.GetField("risk_flags"), Is.Not.Null);
        Assert.That(((EnumSchema)v2.GetField("channel")!.Schema).Symbols, Does.Contain("MOTO"));
    }

    [Test]
    public void A_v1_reader_reads_v2_records_skipping_the_added_fields()
    {
        // Arrange
        var v2 = (RecordSchema)AvroSchema.Parse(V2);
        var record = ToGeneric(v2, TestTransactions.Typical());
        record["risk_flags"] = new List<object?> { "velocity", "geo" };
        record["mcc_group"] = "grocery";
        var body = Write(v2, record);

        // Act
        var decoded = new TransactionAvroCodec().Decode(body, v2);

        // Assert
        Assert.That(decoded, Is.EqualTo(TestTransactions.Typical()));
    }

    [Test]
    public void A_v2_reader_reads_v1_records_filling_the_defaults()
    {
        // Arrange
        var v2 = (RecordSchema)AvroSchema.Parse(V2);
        var body = new TransactionAvroCodec().Encode(TestTransactions.Typical());

        // Act
        var record = (AvroRecord)ResolvedReader.For(TransactionAvroCodec.Schema, v2).Read(body)!;

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(record["risk_flags"], Is.EqualTo(new List<object?>()));
            Assert.That(record["mcc_group"], Is.EqualTo("other"));
            Assert.That(record["card_id"], Is.EqualTo("card-000042"));
            Assert.That(record["merchant_latitude"], Is.EqualTo(52.52));
        });
    }

    [Test]
    public void A_reader_only_field_without_default_makes_the_pair_incompatible()
    {
        // Arrange
        var writer = AvroSchema.Parse("""{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]}""");
        var reader = AvroSchema.Parse("""{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}, {"name": "b", "type": "string"}]}""");

        // Act
        var e = Assert.Throws<AvroResolutionException>(() => ResolvedReader.For(writer, reader));

        // Assert
        Assert.That(e!.MissingField, Is.EqualTo("b"));
        Assert.That(e.Message, Does.Contain("'b'").And.Contain("no default"));
    }

    [Test]
    public void A_writer_lacking_a_required_transaction_field_fails_as_missing_required_field()
    {
        // Arrange
        var writer = AvroSchema.Parse(V1.Replace("""{"name": "card_id", "type": "string", "doc": "Card (PAN token); the Kafka key, so one card's history stays on one partition."},""", "", StringComparison.Ordinal));

        // Act
        var e = Assert.Throws<AvroDecodingException>(() => new TransactionAvroCodec().Decode([0], writer));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.MissingRequiredField));
        Assert.That(e.Message, Does.Contain("card_id"));
    }

    [TestCase("int", "long", 123, 123L)]
    [TestCase("int", "float", -7, -7f)]
    [TestCase("int", "double", int.MaxValue, (double)int.MaxValue)]
    [TestCase("long", "double", 1L << 53, (double)(1L << 53))]
    [TestCase("long", "float", 1024L, 1024f)]
    [TestCase("float", "double", 0.1f, (double)0.1f)]
    [TestCase("string", "bytes", "hé", new byte[] { 0x68, 0xC3, 0xA9 })]
    public void Primitives_are_promoted(string writerType, string readerType, object written, object expected)
    {
        // Arrange
        var writer = AvroSchema.Parse($"\"{writerType}\"");
        var reader = AvroSchema.Parse($"\"{readerType}\"");
        var body = Write(writer, written);

        // Act
        var value = ResolvedReader.For(writer, reader).Read(body);

        // Assert
        Assert.That(value, Is.EqualTo(expected));
    }

    [Test]
    public void Bytes_are_promoted_to_string()
    {
        // Arrange
        var writer = AvroSchema.Parse("\"bytes\"");
        var reader = AvroSchema.Parse("\"string\"");

        // Act
        var value = ResolvedReader.For(writer, reader).Read(Write(writer, "€"u8.ToArray()));

        // Assert
        Assert.That(value, Is.EqualTo("€"));
    }

    [Test]
    public void A_transaction_whose_writer_used_float_amounts_and_int_times_is_promoted()
    {
        // Arrange
        var writer = (RecordSchema)AvroSchema.Parse(V1
            .Replace("""{"name": "amount", "type": "double",""", """{"name": "amount", "type": "float",""", StringComparison.Ordinal)
            .Replace("""{"type": "long", "logicalType": "timestamp-millis"}""", "\"int\"", StringComparison.Ordinal));
        var expected = TestTransactions.Typical() with { Amount = 42.25, EventTime = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000) };
        var record = ToGeneric(writer, expected);
        record["amount"] = 42.25f;
        record["event_time"] = 1_700_000;
        Assert.That(writer.GetField("amount")!.Schema.Type, Is.EqualTo(AvroType.Float));
        Assert.That(writer.GetField("event_time")!.Schema.Type, Is.EqualTo(AvroType.Int));

        // Act
        var decoded = new TransactionAvroCodec().Decode(Write(writer, record), writer);

        // Assert
        Assert.That(decoded, Is.EqualTo(expected));
    }

    [Test]
    public void An_unknown_writer_enum_symbol_takes_the_readers_enum_default()
    {
        // Arrange
        var v2 = (RecordSchema)AvroSchema.Parse(V2);
        var record = ToGeneric(v2, TestTransactions.Typical());
        record["channel"] = "MOTO";
        record["risk_flags"] = new List<object?>();
        record["mcc_group"] = "x";

        // Act
        var decoded = new TransactionAvroCodec().Decode(Write(v2, record), v2);

        // Assert
        Assert.That(decoded.Channel, Is.EqualTo(Channel.Unknown));
    }

    [Test]
    public void An_unknown_writer_enum_symbol_without_reader_default_fails_when_read()
    {
        // Arrange
        var writer = AvroSchema.Parse("""{"type": "enum", "name": "E", "symbols": ["A", "B", "C"]}""");
        var reader = AvroSchema.Parse("""{"type": "enum", "name": "E", "symbols": ["A", "B"]}""");
        var resolved = ResolvedReader.For(writer, reader);

        // Act
        var known = resolved.Read(Write(writer, "B"));
        var e = Assert.Throws<AvroDecodingException>(() => resolved.Read(Write(writer, "C")));

        // Assert
        Assert.That(known, Is.EqualTo("B"));
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.UnknownEnumSymbol));
    }

    [Test]
    public void A_reader_union_takes_the_first_branch_matching_the_writer_type()
    {
        // Arrange
        var writer = AvroSchema.Parse("\"int\"");
        var reader = AvroSchema.Parse("""["null", "string", "long", "int"]""");

        // Act
        var value = ResolvedReader.For(writer, reader).Read(Write(writer, 5));

        // Assert: long comes before int and int promotes to long.
        Assert.That(value, Is.EqualTo(5L));
    }

    [Test]
    public void A_writer_union_resolves_the_branch_actually_written()
    {
        // Arrange
        var writer = AvroSchema.Parse("""["null", "int", "string"]""");
        var reader = AvroSchema.Parse("\"long\"");
        var resolved = ResolvedReader.For(writer, reader);

        // Act
        var value = resolved.Read(Write(writer, 9));
        var e = Assert.Throws<AvroDecodingException>(() => resolved.Read(Write(writer, "nine")));

        // Assert
        Assert.That(value, Is.EqualTo(9L));
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.IncompatibleSchema));
    }

    [Test]
    public void A_nullable_writer_field_read_as_required_fails_only_for_null_values()
    {
        // Arrange: the writer made terminal-like card_id optional; v1 requires it.
        var writer = (RecordSchema)AvroSchema.Parse(V1.Replace("""{"name": "card_id", "type": "string",""", """{"name": "card_id", "type": ["null", "string"],""", StringComparison.Ordinal));
        var codec = new TransactionAvroCodec();
        var present = ToGeneric(writer, TestTransactions.Typical());
        var missing = ToGeneric(writer, TestTransactions.Typical());
        missing["card_id"] = null;

        // Act
        var decoded = codec.Decode(Write(writer, present), writer);
        var e = Assert.Throws<AvroDecodingException>(() => codec.Decode(Write(writer, missing), writer));

        // Assert
        Assert.That(decoded, Is.EqualTo(TestTransactions.Typical()));
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.MissingRequiredField));
        Assert.That(e.Message, Does.Contain("card_id"));
    }

    [Test]
    public void Records_with_different_names_do_not_resolve()
    {
        // Arrange
        var writer = AvroSchema.Parse("""{"type": "record", "name": "A", "fields": []}""");
        var reader = AvroSchema.Parse("""{"type": "record", "name": "B", "fields": []}""");

        // Act / Assert
        Assert.Throws<AvroResolutionException>(() => ResolvedReader.For(writer, reader));
    }

    [Test]
    public void The_resolution_is_compiled_once_per_schema_pair()
    {
        // Arrange
        var v2 = AvroSchema.Parse(V2);

        // Act
        var first = ResolvedReader.For(v2, TransactionAvroCodec.Schema);
        var second = ResolvedReader.For(v2, TransactionAvroCodec.Schema);

        // Assert
        Assert.That(second, Is.SameAs(first));
    }

    [Test]
    public void A_writer_schema_that_is_not_a_record_cannot_be_read_as_a_transaction()
    {
        // Arrange
        var writer = AvroSchema.Parse("[\"null\", " + V1 + "]");

        // Act
        var e = Assert.Throws<AvroDecodingException>(() => new TransactionAvroCodec().Decode([0], writer));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.IncompatibleSchema));
    }

    [Test]
    public void Recursive_schemas_resolve_and_read()
    {
        // Arrange
        var schema = AvroSchema.Parse("""{"type": "record", "name": "Node", "fields": [{"name": "v", "type": "int"}, {"name": "next", "type": ["null", "Node"], "default": null}]}""");
        var leaf = new AvroRecord((RecordSchema)schema) { ["v"] = 2, ["next"] = null };
        var head = new AvroRecord((RecordSchema)schema) { ["v"] = 1, ["next"] = leaf };

        // Act
        var back = (AvroRecord)ResolvedReader.For(schema, schema).Read(Write(schema, head))!;

        // Assert
        Assert.That(back["v"], Is.EqualTo(1));
        Assert.That(((AvroRecord)back["next"]!)["v"], Is.EqualTo(2));
    }

    private static AvroRecord ToGeneric(RecordSchema schema, Transaction t)
    {
        var record = new AvroRecord(schema)
        {
            ["transaction_id"] = t.TransactionId, ["card_id"] = t.CardId, ["event_time"] = t.EventTime.ToUnixTimeMilliseconds(),
            ["amount"] = t.Amount, ["currency"] = t.Currency, ["merchant_id"] = t.MerchantId, ["merchant_category"] = t.MerchantCategory,
            ["channel"] = t.Channel.ToString().ToUpperInvariant(), ["card_present"] = t.CardPresent, ["terminal_id"] = t.TerminalId,
            ["merchant_country"] = t.MerchantCountry, ["merchant_latitude"] = t.MerchantLatitude, ["merchant_longitude"] = t.MerchantLongitude,
            ["cardholder_latitude"] = t.CardholderLatitude, ["cardholder_longitude"] = t.CardholderLongitude,
        };
        return record;
    }

    private static byte[] Write(AvroSchema schema, object? value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new AvroWriter(buffer);
        AvroGenericWriter.Write(schema, value, ref writer);
        return buffer.WrittenSpan.ToArray();
    }
}
