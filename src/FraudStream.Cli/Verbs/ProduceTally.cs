using Confluent.Kafka;
using FraudStream.Cli.Traffic;

namespace FraudStream.Cli.Verbs;

/// <summary>What was sent and what the cluster answered; delivery reports arrive on the producer's own thread.</summary>
internal sealed class ProduceTally(TimeProvider time)
{
    private long _sent;
    private long _acknowledged;
    private long _errors;
    private string? _firstError;

    public TimeProvider Time => time;

    /// <summary>Delivery report time minus produce time, per acknowledged record.</summary>
    public LatencyRecorder Acknowledgement { get; } = new();

    public long Sent => Interlocked.Read(ref _sent);

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    public long Errors => Interlocked.Read(ref _errors);

    public string? FirstError => Volatile.Read(ref _firstError);

    public void CountSent() => Interlocked.Increment(ref _sent);

    public void Delivered(DeliveryReport<byte[], byte[]> report, long producedAt)
    {
        if (report.Error.IsError)
        {
            Failed(report.Error.Reason);
            return;
        }

        Acknowledgement.Record(time.GetElapsedTime(producedAt));
        Interlocked.Increment(ref _acknowledged);
    }

    public void Failed(string reason)
    {
        Interlocked.CompareExchange(ref _firstError, reason, null);
        Interlocked.Increment(ref _errors);
    }
}
