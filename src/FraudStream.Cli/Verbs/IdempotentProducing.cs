using Confluent.Kafka;
using FraudStream.Streaming;

namespace FraudStream.Cli.Verbs;

/// <summary>How the traffic verbs produce: an idempotent producer (acks=all) and a produce call that waits out a full queue.</summary>
internal static class IdempotentProducing
{
    private static readonly TimeSpan s_queueFullWait = TimeSpan.FromMilliseconds(5);

    /// <summary>How long the producer waits to fill a request unless told otherwise: librdkafka's own default (linger.ms).</summary>
    public const double DefaultLingerMs = 5;

    /// <summary>
    /// An idempotent producer that waits up to <paramref name="lingerMs"/> to fill a request; a record not acknowledged
    /// within <paramref name="messageTimeout"/> is reported failed.
    /// </summary>
    public static IProducer<byte[], byte[]> Build(string bootstrap, string clientId, TimeSpan messageTimeout, double lingerMs = DefaultLingerMs) =>
        new ProducerBuilder<byte[], byte[]>(new ProducerConfig(KafkaClientProperties.Process.ToDictionary())
        {
            BootstrapServers = bootstrap,
            ClientId = clientId,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = lingerMs,
            MessageTimeoutMs = (int)messageTimeout.TotalMilliseconds,
        }).Build();

    /// <summary>Hands one record to the producer; <paramref name="attempting"/> gets the timestamp of each attempt.</summary>
    /// <returns>False when the producer failed for good (a fatal error): stop producing.</returns>
    public static async Task<bool> ProduceAsync(
        IProducer<byte[], byte[]> producer, string topic, Message<byte[], byte[]> message, ProduceTally tally,
        CancellationToken stopping, Action<long>? attempting = null)
    {
        while (true)
        {
            var producedAt = tally.Time.GetTimestamp();
            attempting?.Invoke(producedAt);
            try
            {
                producer.Produce(topic, message, report => tally.Delivered(report, producedAt));
                tally.CountSent();
                return true;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                // The producer's queue is full: the cluster is slower than we produce. Wait, do not spin.
                await Task.Delay(s_queueFullWait, tally.Time, stopping);
            }
            catch (ProduceException<byte[], byte[]> e)
            {
                tally.CountSent();
                tally.Failed(e.Error.Reason);
                return !e.Error.IsFatal;
            }
        }
    }

    /// <summary>Waits up to <paramref name="limit"/> for every record handed over to be acknowledged or failed.</summary>
    public static async Task FlushAsync(IProducer<byte[], byte[]> producer, TimeSpan limit) =>
        await Task.Run(() => producer.Flush(limit));
}
