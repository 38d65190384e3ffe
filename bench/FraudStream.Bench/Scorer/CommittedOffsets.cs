using System.Diagnostics;
using Confluent.Kafka;

namespace FraudStream.Bench.Scorer;

/// <summary>
/// The scorer group's committed offsets on the input topic, read the way any outside observer can (OffsetFetch to the
/// group coordinator, read_uncommitted so the broker never holds the answer back for a pending transaction: offsets sent
/// in a transaction only show up once it commits). Offsets are the next offset to read, so on a fresh topic their sum is
/// the number of records the group has finished.
/// </summary>
internal sealed class CommittedOffsets : IDisposable
{
    private static readonly TimeSpan s_requestTimeout = TimeSpan.FromSeconds(10);

    private readonly IConsumer<Ignore, Ignore> _probe;
    private readonly List<TopicPartition> _partitions;

    public CommittedOffsets(string bootstrapServers, string group, string topic, int partitions)
    {
        _probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = group, // never subscribes, so it never joins the group it watches
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadUncommitted,
        }).Build();
        _partitions = Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)).ToList();
        GroupId = group;
    }

    public int Partitions => _partitions.Count;

    /// <summary>The group whose offsets these are.</summary>
    public string GroupId { get; }

    /// <summary>Committed offset per partition (0 where nothing is committed yet).</summary>
    public long[] Read()
    {
        var offsets = new long[_partitions.Count];
        foreach (var committed in _probe.Committed(_partitions, s_requestTimeout))
        {
            offsets[committed.Partition.Value] = Math.Max(0, committed.Offset.Value);
        }

        return offsets;
    }

    /// <summary>High watermark per partition: where the group is done once its committed offsets get there.</summary>
    public long[] EndOffsets() =>
        _partitions.Select(p => _probe.QueryWatermarkOffsets(p, s_requestTimeout).High.Value).ToArray();

    public void Dispose() => _probe.Dispose();
}

/// <summary>
/// Polls <see cref="CommittedOffsets"/> on its own thread every period and keeps, per partition, when each committed
/// offset was first seen: the moment a record became "done" for an outside observer.
/// </summary>
internal sealed class CommitTimeline : IDisposable
{
    private readonly CommittedOffsets _offsets;
    private readonly TimeSpan _period;
    private readonly List<(long At, long Offset)>[] _changes;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private long _total;
    private Exception? _failure;

    public CommitTimeline(CommittedOffsets offsets, TimeSpan period)
    {
        _offsets = offsets;
        _period = period;
        _changes = Enumerable.Range(0, offsets.Partitions).Select(_ => new List<(long, long)>()).ToArray();
        _thread = new Thread(Poll) { IsBackground = true, Name = "committed-offsets" };
        _thread.Start();
    }

    /// <summary>Sum of the committed offsets at the latest poll.</summary>
    public long Total => _failure is null ? Interlocked.Read(ref _total) : throw new BenchmarkFailedException($"Reading committed offsets failed: {_failure.Message}");

    /// <summary>Stops polling; the timeline is complete after this.</summary>
    public void Stop()
    {
        _stop.Cancel();
        _thread.Join();
    }

    /// <summary>When a committed offset above <paramref name="offset"/> was first seen on <paramref name="partition"/>, or -1.</summary>
    public long FirstSeenCovering(int partition, long offset)
    {
        var changes = _changes[partition];
        int low = 0, high = changes.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (changes[middle].Offset > offset)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return low < changes.Count ? changes[low].At : -1;
    }

    public void Dispose()
    {
        if (_thread.IsAlive)
        {
            Stop();
        }

        _stop.Dispose();
    }

    private void Poll()
    {
        var last = new long[_changes.Length];
        Array.Fill(last, -1);
        var next = Stopwatch.GetTimestamp();
        var periodTicks = (long)(_period.TotalSeconds * Stopwatch.Frequency);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var offsets = _offsets.Read();
                var at = Stopwatch.GetTimestamp();
                for (var p = 0; p < offsets.Length; p++)
                {
                    if (offsets[p] != last[p])
                    {
                        _changes[p].Add((at, offsets[p]));
                        last[p] = offsets[p];
                    }
                }

                Interlocked.Exchange(ref _total, offsets.Sum());
                next += periodTicks;
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                if (wait > TimeSpan.Zero)
                {
                    _stop.Token.WaitHandle.WaitOne(wait);
                }
                else
                {
                    next = Stopwatch.GetTimestamp(); // a slow answer: poll again now, do not try to catch up
                }
            }
        }
        catch (KafkaException e)
        {
            _failure = e;
        }
    }
}
