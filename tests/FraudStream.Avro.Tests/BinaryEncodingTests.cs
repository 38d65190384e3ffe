using System.Buffers;

namespace FraudStream.Avro.Tests;

public sealed class BinaryEncodingTests
{
    // The specification's examples of zig-zag varints, plus the range limits.
    [TestCase(0L, "00")]
    [TestCase(-1L, "01")]
    [TestCase(1L, "02")]
    [TestCase(-2L, "03")]
    [TestCase(2L, "04")]
    [TestCase(-64L, "7F")]
    [TestCase(64L, "8001")]
    [TestCase(long.MaxValue, "FEFFFFFFFFFFFFFFFF01")]
    [TestCase(long.MinValue, "FFFFFFFFFFFFFFFFFF01")]
    public void Longs_are_zigzag_varints(long value, string hex)
    {
        // Arrange
        var buffer = new ArrayBufferWriter<byte>();

        // Act
        new AvroWriter(buffer).WriteLong(value);
        var reader = new AvroReader(buffer.WrittenSpan);
        var back = reader.ReadLong();

        // Assert
        Assert.That(Convert.ToHexString(buffer.WrittenSpan), Is.EqualTo(hex));
        Assert.That(back, Is.EqualTo(value));
    }

    [TestCase(int.MaxValue, "FEFFFFFF0F")]
    [TestCase(int.MinValue, "FFFFFFFF0F")]
    public void Ints_round_trip_at_their_limits(int value, string hex)
    {
        // Arrange
        var buffer = new ArrayBufferWriter<byte>();

        // Act
        new AvroWriter(buffer).WriteInt(value);
        var reader = new AvroReader(buffer.WrittenSpan);

        // Assert
        Assert.That(Convert.ToHexString(buffer.WrittenSpan), Is.EqualTo(hex));
        Assert.That(reader.ReadInt(), Is.EqualTo(value));
    }

    [TestCase("FEFFFFFF1F", true)]
    [TestCase("8080808080", true)]
    [TestCase("FFFFFFFFFFFFFFFFFF02", false)]
    [TestCase("FFFFFFFFFFFFFFFFFFFF01", false)]
    public void A_varint_too_long_for_its_type_is_an_overflow(string hex, bool asInt)
    {
        // Arrange
        var bytes = Convert.FromHexString(hex);

        // Act
        var e = Assert.Throws<AvroDecodingException>(() =>
        {
            var reader = new AvroReader(bytes);
            _ = asInt ? reader.ReadInt() : reader.ReadLong();
        });

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.VarintOverflow));
        Assert.That(e.Offset, Is.Zero);
    }

    [Test]
    public void Floats_and_doubles_are_little_endian_ieee()
    {
        // Arrange
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new AvroWriter(buffer);

        // Act
        writer.WriteFloat(1.5f);
        writer.WriteDouble(-2.0);
        var reader = new AvroReader(buffer.WrittenSpan);

        // Assert
        Assert.That(Convert.ToHexString(buffer.WrittenSpan), Is.EqualTo("0000C03F00000000000000C0"));
        Assert.That(reader.ReadFloat(), Is.EqualTo(1.5f));
        Assert.That(reader.ReadDouble(), Is.EqualTo(-2.0));
    }

    [Test]
    public void A_string_cut_short_reports_truncation_at_its_length_prefix()
    {
        // Arrange: "ab" then a string claiming 10 bytes with only 2 present.
        var bytes = Convert.FromHexString("046162" + "14" + "6364");

        // Act
        var e = Assert.Throws<AvroDecodingException>(() =>
        {
            var reader = new AvroReader(bytes);
            reader.ReadString();
            reader.ReadString();
        });

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.Truncated));
        Assert.That(e.Offset, Is.EqualTo(3));
        Assert.That(e.Message, Does.Contain("at byte 3"));
    }

    [Test]
    public void A_negative_length_is_refused()
    {
        // Act
        var e = Assert.Throws<AvroDecodingException>(() => new AvroReader(Convert.FromHexString("03")).ReadBytes().ToArray());

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.InvalidLength));
    }

    [Test]
    public void Invalid_utf8_is_refused_with_its_offset()
    {
        // Arrange: a 2-byte string holding a lone continuation byte and an overlong encoding.
        var bytes = Convert.FromHexString("00" + "04C0AF8041");

        // Act
        var e = Assert.Throws<AvroDecodingException>(() =>
        {
            var reader = new AvroReader(bytes);
            reader.ReadBoolean();
            reader.ReadString();
        });

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.InvalidUtf8));
        Assert.That(e.Offset, Is.EqualTo(1));
    }

    [Test]
    public void A_union_index_outside_the_union_is_refused()
    {
        // Arrange
        var schema = AvroSchema.Parse("""["null", "string"]""");
        var read = ResolvedReader.For(schema, schema);

        // Act
        var e = Assert.Throws<AvroDecodingException>(() => read.Read(Convert.FromHexString("04")));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.BadUnionIndex));
    }

    [Test]
    public void An_enum_index_outside_the_symbols_is_refused()
    {
        // Arrange
        var schema = AvroSchema.Parse("""{"type": "enum", "name": "E", "symbols": ["A", "B"]}""");
        var read = ResolvedReader.For(schema, schema);

        // Act
        var e = Assert.Throws<AvroDecodingException>(() => read.Read(Convert.FromHexString("04")));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.UnknownEnumSymbol));
    }

    [Test]
    public void Arrays_and_maps_decode_blocks_with_negative_counts_and_byte_sizes()
    {
        // Arrange: array<int> as a block of 2 (count -2, size 2 bytes) then a block of 1, then end; map<string,long> likewise.
        var schema = AvroSchema.Parse("""
            {"type": "record", "name": "R", "fields": [
              {"name": "a", "type": {"type": "array", "items": "int"}},
              {"name": "m", "type": {"type": "map", "values": "long"}}]}
            """);
        var body = Convert.FromHexString("03" + "04" + "0204" + "02" + "06" + "00" + "01" + "06" + "026B" + "08" + "00");
        var read = ResolvedReader.For(schema, schema);

        // Act
        var record = (AvroRecord)read.Read(body)!;

        // Assert
        Assert.That(record["a"], Is.EqualTo(new List<object?> { 1, 2, 3 }));
        Assert.That(record["m"], Is.EqualTo(new Dictionary<string, object?> { ["k"] = 4L }));
    }

    [Test]
    public void Skipping_a_writer_only_array_uses_the_block_byte_size()
    {
        // Arrange: the writer's extra array is sized; its items would be invalid ints if parsed (0xFF...), so only a size-skip passes.
        var writer = AvroSchema.Parse("""{"type": "record", "name": "R", "fields": [{"name": "junk", "type": {"type": "array", "items": "int"}}, {"name": "x", "type": "int"}]}""");
        var reader = AvroSchema.Parse("""{"type": "record", "name": "R", "fields": [{"name": "x", "type": "int"}]}""");
        var body = Convert.FromHexString("01" + "0A" + "FFFFFFFFFF" + "00" + "54");

        // Act
        var record = (AvroRecord)ResolvedReader.For(writer, reader).Read(body)!;

        // Assert
        Assert.That(record["x"], Is.EqualTo(42));
    }

    [Test]
    public void Generic_values_of_every_type_round_trip()
    {
        // Arrange
        var schema = (RecordSchema)AvroSchema.Parse("""
            {"type": "record", "name": "All", "fields": [
              {"name": "n", "type": "null"}, {"name": "b", "type": "boolean"}, {"name": "i", "type": "int"},
              {"name": "l", "type": "long"}, {"name": "f", "type": "float"}, {"name": "d", "type": "double"},
              {"name": "by", "type": "bytes"}, {"name": "s", "type": "string"},
              {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["X", "Y"]}},
              {"name": "fx", "type": {"type": "fixed", "name": "F", "size": 3}},
              {"name": "a", "type": {"type": "array", "items": "string"}},
              {"name": "m", "type": {"type": "map", "values": ["null", "double"]}},
              {"name": "u", "type": ["null", "E", "string"]}]}
            """);
        var value = new AvroRecord(schema)
        {
            ["n"] = null, ["b"] = true, ["i"] = -5, ["l"] = 1L << 40, ["f"] = 0.25f, ["d"] = Math.PI,
            ["by"] = new byte[] { 0, 255 }, ["s"] = "ünï", ["e"] = "Y", ["fx"] = new byte[] { 1, 2, 3 },
            ["a"] = new List<object?> { "p", "q" }, ["m"] = new Dictionary<string, object?> { ["k"] = null, ["j"] = 2.5 }, ["u"] = "not-a-symbol",
        };
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new AvroWriter(buffer);

        // Act
        AvroGenericWriter.Write(schema, value, ref writer);
        var back = (AvroRecord)ResolvedReader.For(schema, schema).Read(buffer.WrittenSpan)!;

        // Assert
        Assert.Multiple(() =>
        {
            foreach (var field in schema.Fields)
            {
                Assert.That(back[field.Name], Is.EqualTo(value[field.Name]), field.Name);
            }
        });
    }
}
