using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;

namespace FraudStream.Avro;

/// <summary>Reads Avro binary encoding from a span; every failure is an <see cref="AvroDecodingException"/> with its offset.</summary>
public ref struct AvroReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public AvroReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Position => _position;

    /// <summary>Bytes not yet consumed.</summary>
    public readonly int Remaining => _data.Length - _position;

    /// <summary>Throws <see cref="DecodeFailure.TrailingBytes"/> unless the whole input was consumed.</summary>
    public readonly void EnsureEnd()
    {
        if (_position != _data.Length)
        {
            throw new AvroDecodingException(DecodeFailure.TrailingBytes, $"{_data.Length - _position} byte(s) left after the value; was it written with a different schema?", _position);
        }
    }

    public readonly void ReadNull()
    {
    }

    public bool ReadBoolean()
    {
        var b = ReadByte();
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw new AvroDecodingException(DecodeFailure.InvalidValue, $"A boolean must be 0 or 1, not {b}", _position - 1),
        };
    }

    public int ReadInt()
    {
        var start = _position;
        uint result = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = ReadByte();
            if (shift == 28 && b > 0x0F)
            {
                throw new AvroDecodingException(DecodeFailure.VarintOverflow, "An int varint does not fit in 32 bits", start);
            }

            result |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return (int)(result >> 1) ^ -(int)(result & 1);
            }
        }

        throw new AvroDecodingException(DecodeFailure.VarintOverflow, "An int varint does not fit in 32 bits", start);
    }

    public long ReadLong()
    {
        var start = _position;
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = ReadByte();
            if (shift == 63 && b > 0x01)
            {
                throw new AvroDecodingException(DecodeFailure.VarintOverflow, "A long varint does not fit in 64 bits", start);
            }

            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return (long)(result >> 1) ^ -(long)(result & 1);
            }
        }

        throw new AvroDecodingException(DecodeFailure.VarintOverflow, "A long varint does not fit in 64 bits", start);
    }

    public float ReadFloat() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    /// <summary>A length-prefixed byte sequence, as a slice of the input (no copy).</summary>
    public ReadOnlySpan<byte> ReadBytes() => Take(ReadLength());

    /// <summary>A length-prefixed UTF-8 string, as a slice of the input (validated, no copy).</summary>
    public ReadOnlySpan<byte> ReadStringUtf8()
    {
        var start = _position;
        var bytes = Take(ReadLength());
        if (!Utf8.IsValid(bytes))
        {
            throw new AvroDecodingException(DecodeFailure.InvalidUtf8, "A string is not valid UTF-8", start);
        }

        return bytes;
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadStringUtf8());

    /// <summary><paramref name="size"/> bytes of a fixed.</summary>
    public ReadOnlySpan<byte> ReadFixed(int size) => Take(size);

    /// <summary>A union branch index, checked against the number of branches.</summary>
    public int ReadUnionIndex(int branchCount)
    {
        var start = _position;
        var index = ReadLong();
        if (index < 0 || index >= branchCount)
        {
            throw new AvroDecodingException(DecodeFailure.BadUnionIndex, $"Union branch index {index} is outside the union's {branchCount} branches", start);
        }

        return (int)index;
    }

    /// <summary>An enum symbol index, checked against the number of symbols.</summary>
    public int ReadEnumIndex(int symbolCount)
    {
        var start = _position;
        var index = ReadInt();
        if (index < 0 || index >= symbolCount)
        {
            throw new AvroDecodingException(DecodeFailure.UnknownEnumSymbol, $"Enum index {index} is outside the enum's {symbolCount} symbols", start);
        }

        return index;
    }

    /// <summary>
    /// The item count of the next array/map block (0 ends the sequence). A negative count is followed by the
    /// block's size in bytes, returned in <paramref name="byteSize"/> (else -1), so a skipper can jump over it.
    /// </summary>
    public long ReadBlockCount(out long byteSize)
    {
        var start = _position;
        var count = ReadLong();
        byteSize = -1;
        if (count < 0)
        {
            if (count == long.MinValue)
            {
                throw new AvroDecodingException(DecodeFailure.InvalidLength, "A block count is out of range", start);
            }

            count = -count;
            var sizeStart = _position;
            byteSize = ReadLong();
            if (byteSize < 0 || byteSize > Remaining)
            {
                throw new AvroDecodingException(
                    byteSize < 0 ? DecodeFailure.InvalidLength : DecodeFailure.Truncated,
                    $"A block's byte size {byteSize} is negative or beyond the input ({Remaining} bytes left)",
                    sizeStart);
            }
        }

        // Every item takes at least 0 bytes, so the count alone cannot be bounded by the input; cap it to stop absurd values.
        if (count > int.MaxValue)
        {
            throw new AvroDecodingException(DecodeFailure.InvalidLength, $"A block count {count} is out of range", start);
        }

        return count;
    }

    public void Skip(int count) => Take(count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte ReadByte()
    {
        if ((uint)_position >= (uint)_data.Length)
        {
            throw Truncated(1);
        }

        return _data[_position++];
    }

    private int ReadLength()
    {
        var start = _position;
        var length = ReadLong();
        if (length < 0)
        {
            throw new AvroDecodingException(DecodeFailure.InvalidLength, $"A length prefix is negative ({length})", start);
        }

        if (length > Remaining)
        {
            throw new AvroDecodingException(DecodeFailure.Truncated, $"A length prefix of {length} bytes goes beyond the input ({Remaining} bytes left)", start);
        }

        return (int)length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _data.Length - _position)
        {
            throw Truncated(count);
        }

        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }

    private readonly AvroDecodingException Truncated(int needed) =>
        new(DecodeFailure.Truncated, $"The input ends early: {needed} more byte(s) needed, {_data.Length - _position} left", _position);
}
