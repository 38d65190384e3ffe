using System.Buffers;

namespace FraudStream.Avro.Tests;

public sealed class ConfluentWireFormatTests
{
    [Test]
    public void The_header_is_magic_byte_and_big_endian_schema_id()
    {
        // Arrange
        var buffer = new ArrayBufferWriter<byte>();

        // Act
        ConfluentWireFormat.WriteHeader(buffer, 0x01020304);
        buffer.Write<byte>([0xAA, 0xBB]);
        var ok = ConfluentWireFormat.TryReadHeader(buffer.WrittenSpan, out var id, out var body, out _, out var error);

        // Assert
        Assert.That(Convert.ToHexString(buffer.WrittenSpan), Is.EqualTo("0001020304AABB"));
        Assert.That(ok, Is.True, error);
        Assert.That(id, Is.EqualTo(0x01020304));
        Assert.That(body.ToArray(), Is.EqualTo(new byte[] { 0xAA, 0xBB }));
    }

    [Test]
    public void A_wrong_magic_byte_is_reported_as_such()
    {
        // Act
        var ok = ConfluentWireFormat.TryReadHeader([1, 0, 0, 0, 1, 2], out _, out _, out var failure, out var error);

        // Assert
        Assert.That(ok, Is.False);
        Assert.That(failure, Is.EqualTo(DecodeFailure.BadMagicByte));
        Assert.That(error, Does.Contain("magic byte"));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(4)]
    public void A_message_shorter_than_the_header_is_reported_as_missing_header(int length)
    {
        // Act
        var e = Assert.Throws<AvroDecodingException>(() => ConfluentWireFormat.ReadHeader(new byte[length], out _));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.MissingHeader));
        Assert.That(e.Message, Does.Contain($"{length} byte(s)"));
    }

    [Test]
    public void A_plain_json_value_is_a_bad_magic_byte()
    {
        // Act
        var e = Assert.Throws<AvroDecodingException>(() => ConfluentWireFormat.ReadHeader("{\"a\":1}"u8, out _));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.BadMagicByte));
    }
}
