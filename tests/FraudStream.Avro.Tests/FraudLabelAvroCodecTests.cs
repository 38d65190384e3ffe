using FraudStream.Avro.Registry;
using FraudStream.Avro.Tests.Support;
using FraudStream.Core.Transactions;

namespace FraudStream.Avro.Tests;

public sealed class FraudLabelAvroCodecTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_123);

    internal static FraudLabel Chargeback() => new("tx-1", "card-1", "M000042", "M000042-T2", IsFraud: true, At, At.AddDays(9).AddMilliseconds(7));

    internal static FraudLabel Confirmation() => new("tx-2", "card-ü", "M-online", null, IsFraud: false, At, At.AddDays(7));

    private readonly FraudLabelAvroCodec _codec = new();

    [Test]
    public void Labels_round_trip_with_and_without_a_terminal()
    {
        // Act
        var decoded = new[] { Chargeback(), Confirmation() }.Select(l => _codec.Decode(_codec.Encode(l))).ToList();

        // Assert
        Assert.That(decoded, Is.EqualTo(new[] { Chargeback(), Confirmation() }));
    }

    [Test]
    public void A_label_known_before_its_transaction_is_refused_both_ways()
    {
        // Arrange: a label from the future would let history features see fraud before it was reported.
        var early = Chargeback() with { LabelTime = At.AddMilliseconds(-1) };
        var body = _codec.Encode(Chargeback());
        body[^1] = 0; // label_time = 0 ms (1970), before the event time

        // Act
        var encode = Assert.Throws<ArgumentException>(() => _codec.Encode(early));
        var decode = Assert.Throws<AvroDecodingException>(() => _codec.Decode(body));

        // Assert
        Assert.That(encode!.Message, Does.Contain("label_time").And.Contain("before event_time"));
        Assert.That(decode!.Reason, Is.EqualTo(DecodeFailure.InvalidValue));
    }

    [Test]
    public void An_empty_merchant_is_a_missing_required_field()
    {
        // Arrange: encode through a schema-level writer, since the typed encoder refuses it.
        var schema = FraudLabelAvroCodec.Schema;
        var record = new AvroRecord(schema)
        {
            ["transaction_id"] = "tx-1", ["card_id"] = "card-1", ["merchant_id"] = "", ["terminal_id"] = null,
            ["is_fraud"] = true, ["event_time"] = 1000L, ["label_time"] = 2000L,
        };
        var body = Write(schema, record);

        // Act
        var e = Assert.Throws<AvroDecodingException>(() => _codec.Decode(body));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.MissingRequiredField));
        Assert.That(e.Message, Does.Contain("merchant_id"));
    }

    [Test]
    public void An_older_writer_without_terminal_id_reads_as_no_terminal()
    {
        // Arrange: the same record without terminal_id, which the reader fills from its default.
        var writer = (RecordSchema)AvroSchema.Parse("""
            {"type": "record", "name": "FraudLabel", "namespace": "fraudstream", "fields": [
              {"name": "transaction_id", "type": "string"}, {"name": "card_id", "type": "string"},
              {"name": "merchant_id", "type": "string"}, {"name": "is_fraud", "type": "boolean"},
              {"name": "event_time", "type": "long"}, {"name": "label_time", "type": "long"},
              {"name": "analyst", "type": "string"}]}
            """);
        var record = new AvroRecord(writer)
        {
            ["transaction_id"] = "tx-3", ["card_id"] = "card-3", ["merchant_id"] = "M1", ["is_fraud"] = false,
            ["event_time"] = 1_000L, ["label_time"] = 5_000L, ["analyst"] = "ignored by the reader",
        };
        var body = Write(writer, record);

        // Act
        var label = _codec.Decode(body, writer);

        // Assert
        Assert.That(label, Is.EqualTo(new FraudLabel("tx-3", "card-3", "M1", null, false,
            DateTimeOffset.FromUnixTimeMilliseconds(1_000), DateTimeOffset.FromUnixTimeMilliseconds(5_000))));
    }

    [Test]
    public void A_transaction_read_as_a_label_is_an_incompatible_schema()
    {
        // Act
        var e = Assert.Throws<AvroDecodingException>(() => _codec.Decode(new TransactionAvroCodec().Encode(TestTransactions.Typical()), TransactionAvroCodec.Schema));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.IncompatibleSchema));
    }

    [Test]
    public void We_and_Apache_Avro_write_byte_identical_labels_and_read_each_other()
    {
        // Arrange
        var labels = new[] { Chargeback(), Confirmation() };
        var schema = ApacheAvro.ParseFile("fraud_label.avsc");
        var records = labels.Select(l =>
        {
            var record = new global::Avro.Generic.GenericRecord(schema);
            record.Add("transaction_id", l.TransactionId);
            record.Add("card_id", l.CardId);
            record.Add("merchant_id", l.MerchantId);
            record.Add("terminal_id", l.TerminalId);
            record.Add("is_fraud", l.IsFraud);
            record.Add("event_time", l.EventTime.ToUnixTimeMilliseconds());
            record.Add("label_time", l.LabelTime.ToUnixTimeMilliseconds());
            return record;
        });

        // Act
        var apache = records.Select(ApacheAvro.Write).ToList();
        var ours = labels.Select(_codec.Encode).ToList();

        // Assert
        Assert.That(ours.Select(Convert.ToHexString), Is.EqualTo(apache.Select(Convert.ToHexString)));
        Assert.That(apache.Select(b => _codec.Decode(b)), Is.EqualTo(labels));
    }

    [Test]
    public async Task A_framed_label_round_trips_through_the_catalog_and_a_wrong_id_fails()
    {
        // Arrange
        var catalog = LocalSchemaCatalog.FromEmbeddedSchemas();
        var codec = new FraudLabelMessageCodec(catalog);
        var id = await catalog.RegisterAsync(SchemaSubjects.ForTopicValue("fraud_labels"), EmbeddedSchemas.ReadText("fraud_label.avsc"));
        var message = codec.Encode(Chargeback(), id);
        var misframed = codec.Encode(Chargeback(), catalog.IdOf("transaction.avsc"));
        var unknown = codec.Encode(Chargeback(), 4242);

        // Act
        var decoded = await codec.DecodeAsync(message);
        var wrong = Assert.ThrowsAsync<AvroDecodingException>(async () => await codec.DecodeAsync(misframed));
        var missing = Assert.ThrowsAsync<AvroDecodingException>(async () => await codec.DecodeAsync(unknown));

        // Assert
        Assert.That(id, Is.EqualTo(catalog.IdOf("fraud_label.avsc")), "registering the embedded file returns its catalog id");
        Assert.That(decoded, Is.EqualTo(Chargeback()));
        Assert.That(wrong!.Reason, Is.EqualTo(DecodeFailure.IncompatibleSchema));
        Assert.That(missing!.Reason, Is.EqualTo(DecodeFailure.UnknownSchemaId));
    }

    private static byte[] Write(RecordSchema schema, AvroRecord record)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new AvroWriter(buffer);
        AvroGenericWriter.Write(schema, record, ref writer);
        return buffer.WrittenSpan.ToArray();
    }
}
