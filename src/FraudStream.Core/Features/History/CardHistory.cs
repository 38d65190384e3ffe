using System.Buffers;
using System.Buffers.Binary;
using FraudStream.Core.Transactions;

namespace FraudStream.Core.Features.History;

/// <summary>
/// One card's recent transactions in event-time order, and the card features computed from them. The trainer replays
/// history through this class and the scorer keeps it per input partition, so both compute the same floats.
/// </summary>
/// <remarks>
/// A transaction's features use only transactions at or before its event time, whatever order they arrived in.
/// History older than the longest window plus the lateness bound is forgotten; a transaction more than the lateness
/// bound behind the card's newest one is scored but not remembered.
/// </remarks>
public sealed partial class CardHistory
{
    /// <summary>Number of card features, in <see cref="HistoryFeatures.Names"/> order from 0.</summary>
    public const int FeatureCount = 19;

    private const byte FormatVersion = 1;
    private const int EventBytes = 8 + 4 + 4 + 4 + 4; // amount, merchant, terminal, latitude, longitude (time is a varint)

    /// <summary>Event time one changelog record of a card holds: a day (<see cref="BucketOf"/>).</summary>
    public const long BucketMs = 86_400_000;

    private const int NoBucket = int.MinValue;

    private CardEvent[] _events = new CardEvent[4];
    private int _count;

    /// <summary>
    /// The buckets whose events changed since the store last took the card's changes (only when it tracks them): one
    /// inline (a transaction lands in today's bucket), any more in <see cref="_moreTouched"/> (a late transaction, or
    /// old transactions forgotten).
    /// </summary>
    private int _touched = NoBucket;
    private List<int>? _moreTouched;

    /// <summary>Transactions remembered.</summary>
    public int Count => _count;

    /// <summary>Changed since its store last handed its changes out (<see cref="CardHistoryStore.TakeChanged(ChangelogBuffer, int)"/>).</summary>
    internal bool Changed { get; set; }

    /// <summary>When its store last handed it out, on the store's own clock: the cache drops the least recently used.</summary>
    internal long LastUsed { get; set; }

    /// <summary>Event time (Unix ms) of the newest remembered transaction; long.MinValue when none.</summary>
    public long NewestMs => _count == 0 ? long.MinValue : _events[_count - 1].TimeMs;

    /// <summary>Bytes this history holds in memory (its event array), for the state-size metric.</summary>
    public long MemoryBytes => _events.Length * (long)CardEvent.Size + 32;

    /// <summary>Writes the card features of <paramref name="t"/> as of its event time; all NaN when the card has no history.</summary>
    public static void Compute(CardHistory? card, Transaction t, Span<float> row)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (card is null || card._count == 0)
        {
            row[..FeatureCount].Fill(float.NaN);
            return;
        }

        card.ComputeFrom(t, row);
    }

    /// <summary>The changelog bucket of an event time: its day since 1970-01-01 UTC.</summary>
    public static int BucketOf(long timeMs) => (int)((timeMs / BucketMs) - (timeMs % BucketMs < 0 ? 1 : 0));

    /// <summary>Adds <paramref name="t"/> to the history; false when it is later than the lateness bound and is not remembered.</summary>
    public bool Remember(Transaction t, HistorySettings settings) => Remember(t, settings, ChangelogLayout.Whole);

    /// <summary>
    /// As <see cref="Remember(Transaction, HistorySettings)"/>, noting what <paramref name="layout"/>'s next changelog
    /// records need: the buckets it changed (daily), the transaction added (delta); nothing for whole records.
    /// </summary>
    internal bool Remember(Transaction t, HistorySettings settings, ChangelogLayout layout)
    {
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(settings);
        var time = t.EventTime.ToUnixTimeMilliseconds();
        if (_count > 0 && time < NewestMs - (long)settings.Lateness.TotalMilliseconds)
        {
            return false;
        }

        var located = t is { MerchantLatitude: { } lat, MerchantLongitude: { } lon };
        var e = new CardEvent(
            time, t.Amount, StableHash.Of(t.MerchantId), StableHash.Of(t.TerminalId),
            located ? (float)t.MerchantLatitude!.Value : float.NaN, located ? (float)t.MerchantLongitude!.Value : float.NaN);
        Insert(e);
        if (layout == ChangelogLayout.Daily)
        {
            Touch(BucketOf(time));
        }
        else if (layout == ChangelogLayout.Delta)
        {
            (_added ??= new CardHistory()).Insert(e);
        }

        Forget(NewestMs - (long)(HistorySettings.Retention + settings.Lateness).TotalMilliseconds, settings.MaxEventsPerCard, layout == ChangelogLayout.Daily);
        return true;
    }

    /// <summary>Writes the history in the changelog's binary form.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        WriteRange(output, 0, _count);
    }

    /// <summary>Writes <paramref name="count"/> events from <paramref name="start"/> in the changelog's binary form.</summary>
    private void WriteRange(IBufferWriter<byte> output, int start, int count)
    {
        var span = output.GetSpan(1 + 5 + (count * (10 + EventBytes)));
        var n = 0;
        span[n++] = FormatVersion;
        n += WriteVarint(span[n..], (ulong)count);
        var previous = 0L;
        for (var i = start; i < start + count; i++)
        {
            ref readonly var e = ref _events[i];
            n += WriteVarint(span[n..], i == start ? ZigZag(e.TimeMs) : (ulong)(e.TimeMs - previous)); // sorted: deltas are >= 0
            previous = e.TimeMs;
            BinaryPrimitives.WriteDoubleLittleEndian(span[n..], e.Amount);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(n + 8)..], e.Merchant);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(n + 12)..], e.Terminal);
            BinaryPrimitives.WriteSingleLittleEndian(span[(n + 16)..], e.Latitude);
            BinaryPrimitives.WriteSingleLittleEndian(span[(n + 20)..], e.Longitude);
            n += EventBytes;
        }

        output.Advance(n);
    }

    /// <summary>Reads a history written by <see cref="WriteTo"/>.</summary>
    /// <exception cref="FormatException">The bytes are not a card history of this format.</exception>
    public static CardHistory ReadFrom(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2 || data[0] != FormatVersion)
        {
            throw new FormatException($"Not a card history of format {FormatVersion}.");
        }

        var n = 1;
        var count = checked((int)ReadVarint(data, ref n));
        if (count > (data.Length - n) / (EventBytes + 1))
        {
            throw new FormatException($"A card history of {data.Length} bytes cannot hold {count} transactions.");
        }

        var card = new CardHistory { _events = new CardEvent[Math.Max(4, count)], _count = count };
        var previous = 0L;
        for (var i = 0; i < count; i++)
        {
            var raw = ReadVarint(data, ref n);
            var time = i == 0 ? UnZigZag(raw) : previous + (long)raw;
            previous = time;
            if (data.Length - n < EventBytes)
            {
                throw new FormatException("A card history ends inside a transaction.");
            }

            card._events[i] = new CardEvent(
                time,
                BinaryPrimitives.ReadDoubleLittleEndian(data[n..]),
                BinaryPrimitives.ReadUInt32LittleEndian(data[(n + 8)..]),
                BinaryPrimitives.ReadUInt32LittleEndian(data[(n + 12)..]),
                BinaryPrimitives.ReadSingleLittleEndian(data[(n + 16)..]),
                BinaryPrimitives.ReadSingleLittleEndian(data[(n + 20)..]));
            n += EventBytes;
        }

        return n == data.Length ? card : throw new FormatException("A card history has bytes after its last transaction.");
    }

    private void ComputeFrom(Transaction t, Span<float> row)
    {
        var time = t.EventTime.ToUnixTimeMilliseconds();
        var windows = HistorySettings.CardWindowMs;
        Span<int> counts = stackalloc int[windows.Length];
        Span<double> sums = stackalloc double[windows.Length];
        var end = _count; // events at or before t are [0, end)
        while (end > 0 && _events[end - 1].TimeMs > time)
        {
            end--;
        }

        // Walking back from the newest event, age only grows (events are in time order) and the windows are in
        // increasing order, so each window holds a run of the newest events: one running count and sum, read off as
        // each window's bound is passed. Each window's sum adds the same amounts in the same order as a sum of its own
        // would, so the floats are the same bits (CardHistoryWindowTests).
        var merchant = StableHash.Of(t.MerchantId);
        var firstTimeMerchant = true;
        var previousLocated = -1;
        var open = 0; // the first window the walk has not passed the bound of
        var count = 0;
        var sum = 0.0;
        for (var i = end - 1; i >= 0; i--)
        {
            ref readonly var e = ref _events[i];
            var age = time - e.TimeMs;
            for (; open < windows.Length && age >= windows[open]; open++)
            {
                counts[open] = count;
                sums[open] = sum;
            }

            count++;
            sum += e.Amount;
            firstTimeMerchant &= e.Merchant != merchant;
            if (previousLocated < 0 && !float.IsNaN(e.Latitude))
            {
                previousLocated = i;
            }
        }

        for (; open < windows.Length; open++)
        {
            counts[open] = count;
            sums[open] = sum;
        }

        for (var w = 0; w < windows.Length; w++)
        {
            row[3 * w] = counts[w];
            row[(3 * w) + 1] = (float)sums[w];
            row[(3 * w) + 2] = counts[w] > 0 ? (float)(sums[w] / counts[w]) : float.NaN;
        }

        var mean30 = counts[^1] > 0 ? sums[^1] / counts[^1] : double.NaN;
        row[12] = mean30 > 0 ? (float)(t.Amount / mean30) : float.NaN;
        row[13] = end > 0 ? (time - _events[end - 1].TimeMs) / 1000f : float.NaN;
        row[14] = DistinctInDay(end, time, e => e.Merchant);
        row[15] = DistinctInDay(end, time, e => e.Terminal);
        row[16] = end > 0 ? (firstTimeMerchant ? 1 : 0) : float.NaN;
        (row[17], row[18]) = FromPrevious(previousLocated, t, time);
    }

    private (float Km, float Kmh) FromPrevious(int previous, Transaction t, long time)
    {
        if (previous < 0 || t is not { MerchantLatitude: { } lat, MerchantLongitude: { } lon })
        {
            return (float.NaN, float.NaN);
        }

        ref readonly var e = ref _events[previous];
        var km = Geo.DistanceKm(e.Latitude, e.Longitude, (float)lat, (float)lon);
        var hours = Math.Max(time - e.TimeMs, 1000) / 3_600_000.0; // at least a second apart: no infinite speeds
        return ((float)km, (float)(km / hours));
    }

    private float DistinctInDay(int end, long time, Func<CardEvent, uint> id)
    {
        var day = (long)TimeSpan.FromDays(1).TotalMilliseconds;
        var start = end;
        while (start > 0 && time - _events[start - 1].TimeMs < day)
        {
            start--;
        }

        var n = end - start;
        var rented = n > 256 ? ArrayPool<uint>.Shared.Rent(n) : null;
        var ids = rented is null ? stackalloc uint[n] : rented.AsSpan(0, n);
        var kept = 0;
        for (var i = start; i < end; i++)
        {
            if (id(_events[i]) is var value and not 0)
            {
                ids[kept++] = value;
            }
        }

        ids = ids[..kept];
        ids.Sort();
        var distinct = 0;
        for (var i = 0; i < ids.Length; i++)
        {
            distinct += i == 0 || ids[i] != ids[i - 1] ? 1 : 0;
        }

        if (rented is not null)
        {
            ArrayPool<uint>.Shared.Return(rented);
        }

        return distinct;
    }

    /// <summary>Inserts <paramref name="e"/> after every event at the same or an earlier time: arrival order breaks ties, as in the replay.</summary>
    private void Insert(in CardEvent e)
    {
        var at = _count;
        while (at > 0 && _events[at - 1].TimeMs > e.TimeMs)
        {
            at--;
        }

        if (_count == _events.Length)
        {
            Array.Resize(ref _events, _events.Length * 2);
        }

        Array.Copy(_events, at, _events, at + 1, _count - at);
        _events[at] = e;
        _count++;
    }

    /// <summary>Forgets the oldest <paramref name="drop"/> events.</summary>
    private void DropOldest(int drop)
    {
        if (drop > 0)
        {
            Array.Copy(_events, drop, _events, 0, _count - drop);
            _count -= drop;
        }
    }

    private void Forget(long horizonMs, int maxEvents, bool trackBuckets)
    {
        var drop = 0;
        while (drop < _count && _events[drop].TimeMs < horizonMs)
        {
            drop++;
        }

        drop = Math.Max(drop, _count - maxEvents);
        for (var i = 0; trackBuckets && i < drop; i++)
        {
            if (i == 0 || BucketOf(_events[i].TimeMs) != BucketOf(_events[i - 1].TimeMs))
            {
                Touch(BucketOf(_events[i].TimeMs));
            }
        }

        DropOldest(drop);
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    private static int WriteVarint(Span<byte> span, ulong value)
    {
        var n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[n++] = (byte)value;
        return n;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int n)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (n >= data.Length)
            {
                throw new FormatException("A card history ends inside a number.");
            }

            var b = data[n++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new FormatException("A card history holds a number longer than 64 bits.");
    }

    /// <summary>One remembered transaction: what the card features need of it.</summary>
    private readonly record struct CardEvent(long TimeMs, double Amount, uint Merchant, uint Terminal, float Latitude, float Longitude)
    {
        public const int Size = 32;
    }
}
