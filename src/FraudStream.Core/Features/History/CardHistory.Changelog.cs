namespace FraudStream.Core.Features.History;

// This file: the daily changelog layout (Scorer:HistoryChangelog=daily): which days of event time a change touched,
// their records, and setting one day's transactions on restore.
public sealed partial class CardHistory
{
    /// <summary>
    /// Adds to <paramref name="into"/> the changelog records of the buckets changed since the last call, each bucket's
    /// events in changelog form, or a tombstone for a bucket left empty; <paramref name="all"/> writes every bucket that holds events.
    /// </summary>
    internal void TakeChanges(string cardId, bool all, ChangelogBuffer into, int partition)
    {
        if (all)
        {
            for (var start = 0; start < _count;)
            {
                var bucket = BucketOf(_events[start].TimeMs);
                var end = start;
                while (end < _count && BucketOf(_events[end].TimeMs) == bucket)
                {
                    end++;
                }

                WriteRange(into.Begin(partition, cardId, bucket, null), start, end - start);
                into.EndValue();
                start = end;
            }
        }
        else if (_touched != NoBucket)
        {
            AddBucket(cardId, _touched, into, partition);
            foreach (var bucket in _moreTouched ?? [])
            {
                AddBucket(cardId, bucket, into, partition);
            }
        }

        _touched = NoBucket;
        _moreTouched = null;
    }

    /// <summary>
    /// Sets the events of one bucket to <paramref name="bucketEvents"/> (null or empty: none), as a changelog record of
    /// the bucket says; the others are left as they are.
    /// </summary>
    /// <exception cref="FormatException">An event of <paramref name="bucketEvents"/> lies outside the bucket.</exception>
    internal void ReplaceBucket(int bucket, CardHistory? bucketEvents)
    {
        var (start, end) = Range(bucket);
        var added = bucketEvents?._count ?? 0;
        for (var i = 0; i < added; i++)
        {
            if (BucketOf(bucketEvents!._events[i].TimeMs) != bucket)
            {
                throw new FormatException($"A card history record of bucket {bucket} holds a transaction outside it.");
            }
        }

        var count = _count - (end - start) + added;
        if (count > _events.Length)
        {
            Array.Resize(ref _events, Math.Max(count, _events.Length * 2));
        }

        Array.Copy(_events, end, _events, start + added, _count - end);
        if (added > 0)
        {
            Array.Copy(bucketEvents!._events, 0, _events, start, added);
        }

        _count = count;
    }

    /// <summary>Shrinks the event array to what the history holds (at least 4), after a restore grew it bucket by bucket.</summary>
    internal void TrimExcess()
    {
        if (_events.Length > Math.Max(4, _count) + 4)
        {
            Array.Resize(ref _events, Math.Max(4, _count));
        }
    }

    private void AddBucket(string cardId, int bucket, ChangelogBuffer into, int partition)
    {
        var (start, end) = Range(bucket);
        var output = into.Begin(partition, cardId, bucket, null);
        if (end > start)
        {
            WriteRange(output, start, end - start);
            into.EndValue();
        }
        else
        {
            into.EndTombstone();
        }
    }

    /// <summary>The events of <paramref name="bucket"/>: [start, end) (events are in time order).</summary>
    private (int Start, int End) Range(int bucket)
    {
        var from = bucket * BucketMs;
        return (FirstAtOrAfter(from), FirstAtOrAfter(from + BucketMs));
    }

    /// <summary>The index of the first event at or after <paramref name="timeMs"/> (<see cref="_count"/> when none).</summary>
    private int FirstAtOrAfter(long timeMs)
    {
        int lo = 0, hi = _count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_events[mid].TimeMs < timeMs)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private void Touch(int bucket)
    {
        if (_touched == NoBucket)
        {
            _touched = bucket;
        }
        else if (bucket != _touched && _moreTouched?.Contains(bucket) != true)
        {
            (_moreTouched ??= []).Add(bucket);
        }
    }
}
