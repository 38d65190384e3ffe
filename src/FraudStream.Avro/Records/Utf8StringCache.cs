using System.Text;

namespace FraudStream.Avro;

/// <summary>
/// Interns short, low-cardinality strings (currency, MCC, country) by their UTF-8 bytes so decoding them allocates
/// nothing after the first sighting. Lock-free: a slot holds an immutable entry, replaced whole on a miss.
/// </summary>
internal sealed class Utf8StringCache
{
    private const int MaxLength = 16;
    private readonly Entry?[] _slots;

    public Utf8StringCache(int slots = 1024) => _slots = new Entry?[slots];

    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxLength)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        var hash = 2166136261u;
        foreach (var b in utf8)
        {
            hash = (hash ^ b) * 16777619u;
        }

        var slot = (int)(hash % (uint)_slots.Length);
        var entry = _slots[slot];
        if (entry is not null && utf8.SequenceEqual(entry.Utf8))
        {
            return entry.Value;
        }

        var value = Encoding.UTF8.GetString(utf8);
        _slots[slot] = new Entry(utf8.ToArray(), value);
        return value;
    }

    private sealed record Entry(byte[] Utf8, string Value);
}
