using System.Diagnostics;
using Confluent.Kafka;
using FraudStream.Avro;

namespace FraudStream.Bench.Scorer;

/// <summary>
/// A read_committed reader of the alerts topic on its own thread, as a downstream consumer would be: notes when each
/// alert arrives and which input record (partition, offset) it is for.
/// </summary>
internal sealed class AlertReader : IDisposable
{
    private readonly IConsumer<Ignore, byte[]> _consumer;
    private readonly FraudAlertAvroCodec _codec = new();
    private readonly List<(int Partition, long Offset, long ArrivedAt)> _arrivals = [];
    private readonly long[] _endReached;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private Exception? _failure;

    /// <summary>Starts reading <paramref name="topic"/> at <paramref name="from"/> (one offset per partition).</summary>
    public AlertReader(string bootstrapServers, string topic, long[] from)
    {
        _consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"{topic}-bench-reader",
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnablePartitionEof = true,
            // A committed transaction's records become readable at once; do not let a long poll sit on them.
            FetchWaitMaxMs = 5,
            FetchQueueBackoffMs = 10,
        }).Build();
        _endReached = new long[from.Length];
        Array.Fill(_endReached, -1);
        _consumer.Assign(from.Select((offset, p) => new TopicPartitionOffset(topic, p, offset)));
        _thread = new Thread(Read) { IsBackground = true, Name = "alert-reader" };
        _thread.Start();
    }

    /// <summary>Waits until the reader has reached <paramref name="ends"/> on every partition; fails loudly after <paramref name="limit"/>.</summary>
    public void WaitForEnd(long[] ends, TimeSpan limit)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (_failure is not null)
            {
                throw new BenchmarkFailedException($"Reading alerts failed: {_failure.Message}");
            }

            lock (_arrivals)
            {
                if (ends.Select((end, p) => _endReached[p] >= end).All(reached => reached))
                {
                    return;
                }
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new BenchmarkFailedException($"The alert reader did not reach the end of the committed alerts within {limit.TotalSeconds:0} s.");
            }

            Thread.Sleep(5);
        }
    }

    /// <summary>Stops reading and returns every alert seen: input partition and offset, and when it arrived.</summary>
    public List<(int Partition, long Offset, long ArrivedAt)> Stop()
    {
        _stop.Cancel();
        _thread.Join();
        lock (_arrivals)
        {
            return [.. _arrivals];
        }
    }

    public void Dispose()
    {
        if (_thread.IsAlive)
        {
            Stop();
        }

        _consumer.Close();
        _consumer.Dispose();
        _stop.Dispose();
    }

    private void Read()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var result = _consumer.Consume(TimeSpan.FromMilliseconds(50));
                if (result is null)
                {
                    continue;
                }

                var at = Stopwatch.GetTimestamp();
                lock (_arrivals)
                {
                    if (result.IsPartitionEOF)
                    {
                        _endReached[result.Partition.Value] = Math.Max(_endReached[result.Partition.Value], result.Offset.Value);
                        continue;
                    }

                    var alert = _codec.Decode(result.Message.Value.AsSpan(ConfluentWireFormat.HeaderSize));
                    _arrivals.Add((alert.SourcePartition, alert.SourceOffset, at));
                }
            }
        }
        catch (KafkaException e)
        {
            _failure = e;
        }
    }
}
