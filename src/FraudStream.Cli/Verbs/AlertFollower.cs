using System.Collections.Concurrent;
using Confluent.Kafka;
using FraudStream.Avro;
using FraudStream.Avro.Registry;
using FraudStream.Cli.Traffic;
using FraudStream.Core.Outputs;

namespace FraudStream.Cli.Verbs;

/// <summary>
/// Reads the alerts topic (read_committed) on its own thread from where it ended at start, and times each alert for
/// a transaction this run produced: seen minus produced.
/// </summary>
internal sealed class AlertFollower : IDisposable
{
    private readonly IConsumer<byte[], byte[]> _consumer;
    private readonly AlertDecoder _decoder;
    private readonly string _sourceTopic;
    private readonly TimeProvider _time;
    // Most transactions are never alerted: ids older than the horizon are forgotten, oldest first, so a run
    // without --count or --duration does not grow without bound. An alert later than that is not timed.
    private static readonly TimeSpan s_horizon = TimeSpan.FromMinutes(10);
    private readonly ConcurrentDictionary<string, long> _producedAt = new(StringComparer.Ordinal);
    private readonly Queue<(string TransactionId, long ProducedAt)> _expected = new(); // the producing thread's only
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private int _undecodable;

    private AlertFollower(IConsumer<byte[], byte[]> consumer, AlertDecoder decoder, string sourceTopic, TimeProvider time)
    {
        _consumer = consumer;
        _decoder = decoder;
        _sourceTopic = sourceTopic;
        _time = time;
    }

    /// <summary>Produce-to-visible-alert latency of the run's alerted transactions.</summary>
    public LatencyRecorder EndToEnd { get; } = new();

    /// <summary>Alert records that could not be decoded (skipped).</summary>
    public int Undecodable => Volatile.Read(ref _undecodable);

    /// <summary>Starts following; null with one sentence when the alerts topic cannot be read.</summary>
    public static AlertFollower? TryStart(string bootstrap, string alertsTopic, string sourceTopic, ISchemaRegistry schemas, TimeProvider time, out string? error)
    {
        var consumer = KafkaCluster.CommittedReader(bootstrap, "fraudstream-loadgen-alerts", fetchWaitMaxMs: 50);
        if (!KafkaCluster.TryGetPartitions(consumer.Handle, alertsTopic, bootstrap, out var partitions, out error)
            || !KafkaCluster.TryGetEnds(consumer, alertsTopic, partitions, out var ends, out error))
        {
            consumer.Dispose();
            return null;
        }

        consumer.Assign(ends);
        var follower = new AlertFollower(consumer, new AlertDecoder(schemas), sourceTopic, time);
        follower._loop = Task.Factory.StartNew(follower.Follow, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return follower;
    }

    /// <summary>Remembers when a transaction was produced, so its alert can be timed.</summary>
    public void Expect(string transactionId, long producedAt)
    {
        _producedAt[transactionId] = producedAt;
        _expected.Enqueue((transactionId, producedAt));
        while (_expected.TryPeek(out var oldest) && _time.GetElapsedTime(oldest.ProducedAt, producedAt) > s_horizon)
        {
            _expected.Dequeue();
            _producedAt.TryRemove(oldest.TransactionId, out _);
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _consumer.Close();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Wait();
        _consumer.Dispose();
        _stop.Dispose();
    }

    private void Follow()
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            ConsumeResult<byte[], byte[]> result;
            try
            {
                result = _consumer.Consume(stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ConsumeException)
            {
                Interlocked.Increment(ref _undecodable);
                continue;
            }

            var seenAt = _time.GetTimestamp();
            FraudAlert alert;
            try
            {
                alert = _decoder.Decode(result.Message.Value);
            }
            catch (Exception e) when (e is AvroDecodingException or SchemaRegistryUnavailableException)
            {
                Interlocked.Increment(ref _undecodable);
                continue;
            }

            // Transaction ids repeat between runs with the same seed: only an alert on this run's topic counts, once.
            if (alert.SourceTopic == _sourceTopic && _producedAt.TryRemove(alert.TransactionId, out var producedAt))
            {
                EndToEnd.Record(_time.GetElapsedTime(producedAt, seenAt));
            }
        }
    }
}
