using System.Buffers.Binary;
using System.Text;

namespace FraudStream.XGBoost.ModelChecks;

/// <summary>
/// Parses an XGBoost UBJSON model into <see cref="ModelNode"/>s, reading exactly the subset XGBoost 1.7's UBJReader
/// reads, but checking every length and count against the buffer and bounding the nesting depth.
/// </summary>
internal ref struct UbjsonModelReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _maxDepth;
    private int _position;

    private UbjsonModelReader(ReadOnlySpan<byte> data, int maxDepth)
    {
        _data = data;
        _maxDepth = maxDepth;
    }

    private readonly int Remaining => _data.Length - _position;

    /// <exception cref="FormatException">The bytes are not one complete UBJSON document XGBoost can read, within the depth limit.</exception>
    public static ModelNode Read(ReadOnlySpan<byte> data, int maxDepth)
    {
        var reader = new UbjsonModelReader(data, maxDepth);
        var root = reader.Value(depth: 0);
        if (reader.Remaining != 0)
        {
            throw new FormatException($"there is data after the UBJSON document's end at byte {reader._position}");
        }

        return root;
    }

    private ModelNode Value(int depth)
    {
        var at = _position;
        var marker = Next("a value");
        switch (marker)
        {
            case (byte)'{':
                Deeper(depth, at);
                return Object(depth + 1);
            case (byte)'[':
                Deeper(depth, at);
                return Array(depth + 1);
            case (byte)'Z':
                return ScalarNode.Null;
            case (byte)'T' or (byte)'F':
                return ScalarNode.Boolean;
            case (byte)'i':
                return new IntegerNode((sbyte)Take(1, "an 8-bit integer")[0]);
            case (byte)'U' or (byte)'C':
                return new IntegerNode(Take(1, "an 8-bit integer")[0]);
            case (byte)'I':
                return new IntegerNode(BinaryPrimitives.ReadInt16BigEndian(Take(2, "a 16-bit integer")));
            case (byte)'l':
                return new IntegerNode(BinaryPrimitives.ReadInt32BigEndian(Take(4, "a 32-bit integer")));
            case (byte)'L':
                return new IntegerNode(BinaryPrimitives.ReadInt64BigEndian(Take(8, "a 64-bit integer")));
            case (byte)'d':
                Take(4, "a float");
                return ScalarNode.Float;
            case (byte)'S':
                return new StringNode(String("a string"));
            default:
                throw new FormatException($"byte {at} holds 0x{marker:X2}, which is not a UBJSON value XGBoost reads");
        }
    }

    private ObjectNode Object(int depth)
    {
        var members = new Dictionary<string, ModelNode>(StringComparer.Ordinal);
        while (Peek("an object key or '}'") != (byte)'}')
        {
            var name = String("an object key");
            members[name] = Value(depth);
        }

        _position++;
        return new ObjectNode(members);
    }

    private ArrayNode Array(int depth)
    {
        var at = _position;
        if (Peek("an array element or ']'") == (byte)'$')
        {
            _position++;
            var type = Next("a typed array's element type");
            var size = type switch
            {
                (byte)'d' or (byte)'l' => 4,
                (byte)'U' or (byte)'i' => 1,
                (byte)'L' => 8,
                _ => throw new FormatException($"the typed array at byte {at} has element type 0x{type:X2}, which XGBoost does not read"),
            };
            Expect((byte)'#', "a typed array's count");
            var count = Count("a typed array");
            if (count > Remaining / size)
            {
                throw Truncated($"a typed array of {count} × {size} bytes starting at byte {_position}");
            }

            var values = Take((int)count * size, "a typed array");
            return new ArrayNode((int)count, type == (byte)'d' ? null : Integers(values, type, size), items: null);
        }

        var elements = new List<ModelNode>();
        if (Peek("an array element or ']'") == (byte)'#')
        {
            _position++;
            var count = Count("an array");

            // Every element takes at least one byte, so a count beyond the remaining bytes cannot be genuine.
            if (count > Remaining)
            {
                throw Truncated($"an array of {count} elements starting at byte {_position}");
            }

            for (var i = 0L; i < count; i++)
            {
                elements.Add(Value(depth));
            }

            return ArrayNodes.From(elements);
        }

        while (Peek("an array element or ']'") != (byte)']')
        {
            elements.Add(Value(depth));
        }

        _position++;
        return ArrayNodes.From(elements);
    }

    private static long[] Integers(ReadOnlySpan<byte> values, byte type, int size)
    {
        var integers = new long[values.Length / size];
        for (var i = 0; i < integers.Length; i++)
        {
            var value = values.Slice(i * size, size);
            integers[i] = type switch
            {
                (byte)'U' => value[0],
                (byte)'i' => (sbyte)value[0],
                (byte)'l' => BinaryPrimitives.ReadInt32BigEndian(value),
                _ => BinaryPrimitives.ReadInt64BigEndian(value),
            };
        }

        return integers;
    }

    // XGBoost reads counts and string lengths only as 'L' (int64).
    private long Count(string what)
    {
        Expect((byte)'L', $"{what}'s count");
        var at = _position;
        var count = BinaryPrimitives.ReadInt64BigEndian(Take(8, $"{what}'s count"));
        if (count < 0)
        {
            throw new FormatException($"{what} at byte {at} has a negative count ({count})");
        }

        return count;
    }

    private string String(string what)
    {
        Expect((byte)'L', $"{what}'s length");
        var at = _position;
        var length = BinaryPrimitives.ReadInt64BigEndian(Take(8, $"{what}'s length"));
        if (length < 0)
        {
            throw new FormatException($"{what} at byte {at} has a negative length ({length})");
        }

        if (length > Remaining)
        {
            throw Truncated($"{what} of {length} bytes starting at byte {_position}");
        }

        return Encoding.UTF8.GetString(Take((int)length, what));
    }

    private void Expect(byte marker, string what)
    {
        var at = _position;
        var actual = Next(what);
        if (actual != marker)
        {
            throw new FormatException($"byte {at} should be '{(char)marker}' for {what} but holds 0x{actual:X2}");
        }
    }

    private readonly byte Peek(string what)
    {
        if (Remaining < 1)
        {
            throw Truncated($"{what} at byte {_position}");
        }

        return _data[_position];
    }

    private byte Next(string what)
    {
        var marker = Peek(what);
        _position++;
        return marker;
    }

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (Remaining < count)
        {
            throw Truncated($"{what} at byte {_position}");
        }

        var bytes = _data.Slice(_position, count);
        _position += count;
        return bytes;
    }

    private readonly FormatException Truncated(string what) =>
        new($"the UBJSON document ends after {_data.Length} bytes, inside {what} (truncated?)");

    private readonly void Deeper(int depth, int at)
    {
        if (depth >= _maxDepth)
        {
            throw new FormatException($"it nests deeper than {_maxDepth} levels at byte {at}");
        }
    }
}
