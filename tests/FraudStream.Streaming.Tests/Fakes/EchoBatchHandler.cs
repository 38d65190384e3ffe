using System.Text;
using Confluent.Kafka;
using FraudStream.Streaming.ExactlyOnce;

namespace FraudStream.Streaming.Tests.Fakes;

/// <summary>
/// A test handler standing in for the scorer: each record's value goes to the "out" topic as it is, except values
/// starting with "bad", which it rejects. <see cref="Hold"/> makes processing wait (a registry outage) until released.
/// </summary>
internal sealed class EchoBatchHandler : IBatchHandler
{
    public const string OutputTopic = "out";

    /// <summary>While reset, Process waits (as a scorer waits for an unavailable Schema Registry).</summary>
    public ManualResetEventSlim Hold { get; } = new(initialState: true);

    /// <summary>While reset, a batch holding a rejected record waits in Process.</summary>
    public ManualResetEventSlim HoldRejected { get; } = new(initialState: true);

    /// <summary>When set, Process throws for a batch it matches (a bug in a handler).</summary>
    public Func<RecordBatch, bool>? FailWhen { get; set; }

    public bool Prepare(CancellationToken stop) => true;

    public IBatchWork CreateWork() => new NoWork();

    public bool Process(RecordBatch batch, CancellationToken stop)
    {
        if (FailWhen?.Invoke(batch) == true)
        {
            throw new InvalidOperationException("test handler: processing failed");
        }

        try
        {
            Hold.Wait(stop);
            if (batch.Rejected.Count > 0)
            {
                HoldRejected.Wait(stop);
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        for (var row = 0; row < batch.Count; row++)
        {
            if (Encoding.UTF8.GetString(batch.Records[row].Message.Value ?? []).StartsWith("bad", StringComparison.Ordinal))
            {
                batch.Rejected.Add(new Rejection(row, "bad", new FormatException("bad value")));
            }
        }

        return true;
    }

    public void Produce(RecordBatch batch, IProducer<byte[], byte[]> producer)
    {
        for (var row = 0; row < batch.Count; row++)
        {
            if (batch.Keeps(row) && !batch.Rejected.Exists(r => r.Row == row))
            {
                producer.Produce(OutputTopic, new Message<byte[], byte[]> { Value = batch.Records[row].Message.Value });
            }
        }
    }

    public void Committed(RecordBatch batch, DateTimeOffset committedAt)
    {
    }

    private sealed class NoWork : IBatchWork
    {
        public void Clear()
        {
        }
    }
}
