using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace FraudStream.Avro;

/// <summary>Writes Avro binary encoding into an <see cref="IBufferWriter{T}"/>.</summary>
public readonly ref struct AvroWriter
{
    private readonly IBufferWriter<byte> _output;

    public AvroWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    public void WriteNull()
    {
    }

    public void WriteBoolean(bool value)
    {
        _output.GetSpan(1)[0] = value ? (byte)1 : (byte)0;
        _output.Advance(1);
    }

    public void WriteInt(int value) => WriteLong(value);

    public void WriteLong(long value)
    {
        var span = _output.GetSpan(10);
        var n = (ulong)((value << 1) ^ (value >> 63));
        var i = 0;
        while (n >= 0x80)
        {
            span[i++] = (byte)(n | 0x80);
            n >>= 7;
        }

        span[i++] = (byte)n;
        _output.Advance(i);
    }

    public void WriteFloat(float value)
    {
        BinaryPrimitives.WriteSingleLittleEndian(_output.GetSpan(4), value);
        _output.Advance(4);
    }

    public void WriteDouble(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(_output.GetSpan(8), value);
        _output.Advance(8);
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteLong(value.Length);
        WriteFixed(value);
    }

    public void WriteString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var count = Encoding.UTF8.GetByteCount(value);
        WriteLong(count);
        if (count > 0)
        {
            var written = Encoding.UTF8.GetBytes(value, _output.GetSpan(count));
            _output.Advance(written);
        }
    }

    public void WriteFixed(ReadOnlySpan<byte> value)
    {
        if (value.Length > 0)
        {
            value.CopyTo(_output.GetSpan(value.Length));
            _output.Advance(value.Length);
        }
    }

    public void WriteUnionIndex(int index) => WriteLong(index);

    public void WriteEnumIndex(int index) => WriteInt(index);

    /// <summary>Starts a block of <paramref name="count"/> array items or map entries; call <see cref="WriteEndOfBlocks"/> after the last block.</summary>
    public void WriteBlockCount(long count) => WriteLong(count);

    public void WriteEndOfBlocks() => WriteLong(0);
}
