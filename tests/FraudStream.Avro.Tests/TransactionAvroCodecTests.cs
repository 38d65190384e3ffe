using System.Buffers;
using FraudStream.Avro.Tests.Support;
using FraudStream.Core.Transactions;

namespace FraudStream.Avro.Tests;

public sealed class TransactionAvroCodecTests
{
    private readonly TransactionAvroCodec _codec = new();

    [Test]
    public void Every_corner_case_transaction_round_trips()
    {
        // Arrange
        var transactions = TestTransactions.Corners();

        // Act
        var decoded = transactions.Select(t => _codec.Decode(_codec.Encode(t))).ToList();

        // Assert
        Assert.That(decoded, Is.EqualTo(transactions));
    }

    [Test]
    public void A_truncated_body_fails_as_truncated_at_its_end()
    {
        // Arrange
        var body = _codec.Encode(TestTransactions.Typical());

        // Act
        var e = Assert.Throws<AvroDecodingException>(() => _codec.Decode(body.AsSpan(0, body.Length - 3)));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.Truncated));
        Assert.That(e.Offset, Is.EqualTo(body.Length - 8));
    }

    [Test]
    public void Every_possible_truncation_fails_as_truncated()
    {
        // Arrange
        var body = _codec.Encode(TestTransactions.Typical());

        // Act / Assert
        for (var length = 0; length < body.Length; length++)
        {
            var e = Assert.Throws<AvroDecodingException>(() => _codec.Decode(body.AsSpan(0, length)));
            Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.Truncated), $"cut at {length}");
        }
    }

    [Test]
    public void Trailing_bytes_fail_the_record()
    {
        // Arrange
        byte[] body = [.. _codec.Encode(TestTransactions.Typical()), 0];

        // Act
        var e = Assert.Throws<AvroDecodingException>(() => _codec.Decode(body));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.TrailingBytes));
    }

    [Test]
    public void A_bad_union_index_fails_with_its_offset()
    {
        // Arrange: the all-null transaction ends with six union indexes of 0; make the last one 2.
        var body = _codec.Encode(TestTransactions.Corners()[1]);
        body[^1] = 4;

        // Act
        var e = Assert.Throws<AvroDecodingException>(() => _codec.Decode(body));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.BadUnionIndex));
        Assert.That(e.Offset, Is.EqualTo(body.Length - 1));
    }

    [Test]
    public void An_unknown_channel_index_fails_as_unknown_enum_symbol()
    {
        // Arrange: channel sits right after merchant_category "0000" in the all-null transaction.
        var body = _codec.Encode(TestTransactions.Corners()[1]);
        var channelAt = body.AsSpan().IndexOf("0000"u8) + 4;
        body[channelAt] = 40;

        // Act
        var e = Assert.Throws<AvroDecodingException>(() => _codec.Decode(body));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.UnknownEnumSymbol));
        Assert.That(e.Offset, Is.EqualTo(channelAt));
    }

    [TestCase(-0.01)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    [TestCase(double.NegativeInfinity)]
    public void An_invalid_amount_fails_as_invalid_value(double amount)
    {
        // Arrange: encoded as the reference would, bypassing the codec's own encode-side check.
        var body = Generic(TestTransactions.Typical(), "amount", amount);

        // Act
        var e = Assert.Throws<AvroDecodingException>(() => _codec.Decode(body));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.InvalidValue));
        Assert.That(e.Message, Does.Contain("amount"));
    }

    [Test]
    public void An_empty_card_id_fails_as_missing_required_field()
    {
        // Arrange
        var body = Generic(TestTransactions.Typical(), "card_id", "");

        // Act
        var e = Assert.Throws<AvroDecodingException>(() => _codec.Decode(body));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.MissingRequiredField));
    }

    [TestCase("C-1\u0000\u0000\u0000\u0000\u0007")]
    [TestCase("C-1\u0001\u0000\u0000\u0000\u0002")]
    [TestCase("\tC-1")]
    public void A_card_id_with_a_control_character_fails_as_invalid_value(string cardId)
    {
        // Arrange: such an id would end like a changelog key of a day or a delta of card "C-1".
        var body = Generic(TestTransactions.Typical(), "card_id", cardId);

        // Act
        var e = Assert.Throws<AvroDecodingException>(() => _codec.Decode(body));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.InvalidValue));
        Assert.That(e.Message, Does.Contain("card_id contains a control character"));
    }

    [Test]
    public void A_latitude_out_of_range_fails_as_invalid_value()
    {
        // Arrange
        var body = Generic(TestTransactions.Typical(), "merchant_latitude", 91.0);

        // Act
        var e = Assert.Throws<AvroDecodingException>(() => _codec.Decode(body));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.InvalidValue));
    }

    [Test]
    public void An_event_time_beyond_year_9999_fails_as_invalid_value()
    {
        // Arrange
        var body = Generic(TestTransactions.Typical(), "event_time", long.MaxValue);

        // Act
        var e = Assert.Throws<AvroDecodingException>(() => _codec.Decode(body));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.InvalidValue));
    }

    [Test]
    public void Encoding_an_invalid_transaction_is_refused()
    {
        // Act / Assert
        Assert.Throws<ArgumentException>(() => _codec.Encode(TestTransactions.Typical() with { Amount = double.NaN }));
    }

    [Test]
    public void Encoding_a_transaction_whose_card_present_is_missing_is_refused_saying_the_schema_needs_it()
    {
        // A CSV row may leave card_present empty; the topic's schema has no missing value for it.
        var error = Assert.Throws<ArgumentException>(() => _codec.Encode(TestTransactions.Typical() with { CardPresent = null }));

        Assert.That(error!.Message, Does.Contain("card_present is missing"));
    }

    [Test]
    public void Decoding_allocates_only_the_record_and_its_strings()
    {
        // Arrange: currency, MCC and country are interned; the record and four unique strings are the floor.
        var transaction = TestTransactions.Typical();
        var body = _codec.Encode(transaction);
        for (var i = 0; i < 100; i++)
        {
            _codec.Decode(body);
        }

        const int Decodes = 1000;
        string[] owned = [transaction.TransactionId, transaction.CardId, transaction.MerchantId, transaction.TerminalId!];
        var stringBytes = owned.Sum(s => (22 + (2 * s.Length) + 7) & ~7); // object header + length + UTF-16 chars + terminator, 8-aligned
        const int RecordBytes = 184; // Transaction: header + 7 references + DateTimeOffset + double + enum + bool + 4 double?
        var budget = stringBytes + RecordBytes;

        // Act
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Decodes; i++)
        {
            _codec.Decode(body);
        }

        var perDecode = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Decodes;

        // Assert
        TestContext.Out.WriteLine($"Allocated {perDecode:F1} bytes per decode (budget {budget}: strings {stringBytes} + record {RecordBytes}).");
        Assert.That(perDecode, Is.LessThanOrEqualTo(budget));
    }

    [Test]
    public void Decoding_with_a_resolved_writer_schema_allocates_no_more_than_the_own_schema_path()
    {
        // Arrange
        var writer = AvroSchema.Parse(File.ReadAllText(SchemaFiles.PathOf("transaction.avsc")));
        var body = _codec.Encode(TestTransactions.Typical());
        _codec.Decode(body, writer);
        _codec.Decode(body);

        // Act
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            _codec.Decode(body, writer);
        }

        var resolved = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            _codec.Decode(body);
        }

        var own = GC.GetAllocatedBytesForCurrentThread() - before;

        // Assert
        TestContext.Out.WriteLine($"Per decode: resolved {resolved / 1000.0:F1} B, own schema {own / 1000.0:F1} B.");
        Assert.That(resolved, Is.LessThanOrEqualTo(own));
    }

    private static byte[] Generic(Transaction t, string field, object? value)
    {
        var schema = TransactionAvroCodec.Schema;
        var record = new AvroRecord(schema)
        {
            ["transaction_id"] = t.TransactionId, ["card_id"] = t.CardId, ["event_time"] = t.EventTime.ToUnixTimeMilliseconds(),
            ["amount"] = t.Amount, ["currency"] = t.Currency, ["merchant_id"] = t.MerchantId, ["merchant_category"] = t.MerchantCategory,
            ["channel"] = t.Channel.ToString().ToUpperInvariant(), ["card_present"] = t.CardPresent, ["terminal_id"] = t.TerminalId,
            ["merchant_country"] = t.MerchantCountry, ["merchant_latitude"] = t.MerchantLatitude, ["merchant_longitude"] = t.MerchantLongitude,
            ["cardholder_latitude"] = t.CardholderLatitude, ["cardholder_longitude"] = t.CardholderLongitude,
        };
        record[field] = value;
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new AvroWriter(buffer);
        AvroGenericWriter.Write(schema, record, ref writer);
        return buffer.WrittenSpan.ToArray();
    }
}
