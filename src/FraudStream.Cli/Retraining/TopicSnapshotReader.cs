using Confluent.Kafka;
using FraudStream.Avro;
using FraudStream.Cli.Traffic;
using FraudStream.Streaming;

namespace FraudStream.Cli.Retraining;

/// <summary>How one topic was read.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Records">Records read (decoded or not).</param>
/// <param name="Skipped">Records that could not be decoded, skipped.</param>
/// <param name="FirstProblem">Why the first skipped record could not be decoded, and where it was.</param>
internal sealed record TopicReadSummary(string Topic, long Records, long Skipped, string? FirstProblem);

/// <summary>A topic could not be read to its end (one sentence: what to check).</summary>
internal sealed class TopicReadException(string message) : Exception(message);

/// <summary>
/// Reads a topic once, as it stood when the read began: every partition, read_committed, from the first record whose Kafka
/// timestamp is at or after a start time (found with OffsetsForTimes), to each partition's end (its last stable offset) when
/// the read began. Records produced meanwhile are not read, so the read ends however busy the topic is.
/// Undecodable records are skipped and counted.
/// </summary>
/// <remarks>
/// Starting by the record timestamp is safe because a record is produced after the event it carries: its timestamp (Kafka's
/// CreateTime, the producer's clock) is at or after its event time, and a margin before the start absorbs clocks that
/// disagree. Nothing bounds the end that way (a late record may carry an old event), so the read goes to the end.
/// </remarks>
internal sealed class TopicSnapshotReader(string bootstrap, TimeProvider time)
{
    private static readonly TimeSpan s_requestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long the reader waits without a record before it gives up on the cluster.</summary>
    public TimeSpan StallLimit { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Decodes each record of <paramref name="topic"/> from <paramref name="since"/> (null: the beginning) to the end
    /// as it is now, handing what decodes to <paramref name="accept"/>.
    /// </summary>
    /// <exception cref="TopicReadException">The topic does not exist or the cluster does not answer.</exception>
    /// <exception cref="Avro.Registry.SchemaRegistryUnavailableException">The Schema Registry did not answer for a writer schema.</exception>
    public async Task<TopicReadSummary> ReadAsync<T>(
        string topic, DateTimeOffset? since, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask<T>> decode, Action<T> accept,
        CancellationToken cancellation)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig(KafkaClientProperties.Process.ToDictionary())
        {
            BootstrapServers = bootstrap,
            ClientId = "fraudstream-trainer",
            GroupId = $"fraudstream-trainer-{Guid.NewGuid():N}", // required by the client; never joined (Assign only, no commits)
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            EnablePartitionEof = true,
        }).Build();

        var ranges = Ranges(consumer, topic, since);
        var remaining = ranges.Where(r => r.Start < r.End).ToDictionary(r => r.Partition, r => r.End);
        consumer.Assign(ranges.Where(r => r.Start < r.End).Select(r => new TopicPartitionOffset(topic, r.Partition, r.Start)));

        long records = 0, skipped = 0;
        string? firstProblem = null;
        var lastProgress = time.GetTimestamp();
        while (remaining.Count > 0)
        {
            cancellation.ThrowIfCancellationRequested();
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                if (time.GetElapsedTime(lastProgress) > StallLimit)
                {
                    throw new TopicReadException(
                        $"Kafka at {bootstrap} gave nothing more of '{topic}' for {StallLimit.TotalSeconds:0} s before its end: is the cluster up?");
                }

                continue;
            }

            lastProgress = time.GetTimestamp();
            var partition = result.Partition.Value;
            if (!remaining.TryGetValue(partition, out var end))
            {
                continue;
            }

            // A partition is done at its end as of the start: a record there or later, or end-of-partition there or later.
            if (result.IsPartitionEOF || result.Offset.Value >= end)
            {
                if (result.Offset.Value >= end)
                {
                    Done(consumer, topic, partition, remaining);
                }

                continue;
            }

            records++;
            try
            {
                accept(await decode(result.Message.Value ?? [], cancellation));
            }
            catch (AvroDecodingException e)
            {
                skipped++;
                firstProblem ??= $"partition {partition} offset {result.Offset.Value}: {e.Message}";
            }

            if (result.Offset.Value >= end - 1)
            {
                Done(consumer, topic, partition, remaining);
            }
        }

        consumer.Close();
        return new TopicReadSummary(topic, records, skipped, firstProblem);
    }

    /// <summary>Each partition's first offset to read and its end now.</summary>
    private List<(int Partition, long Start, long End)> Ranges(IConsumer<byte[], byte[]> consumer, string topic, DateTimeOffset? since)
    {
        if (!KafkaCluster.TryGetPartitions(consumer.Handle, topic, bootstrap, out var partitions, out var error)
            || !KafkaCluster.TryGetEnds(consumer, topic, partitions, out var ends, out error))
        {
            throw new TopicReadException(error!);
        }

        List<TopicPartitionOffset> starts;
        try
        {
            starts = since is { } from
                ? consumer.OffsetsForTimes(partitions.Select(p => new TopicPartitionTimestamp(topic, p, new Timestamp(from.UtcDateTime))), s_requestTimeout)
                : [.. partitions.Select(p => new TopicPartitionOffset(topic, p, consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), s_requestTimeout).Low))];
        }
        catch (KafkaException e)
        {
            throw new TopicReadException($"Kafka at {bootstrap} did not say where to start reading '{topic}' ({e.Error.Reason}): is the cluster up?");
        }

        return [.. ends.Select(e =>
        {
            var start = starts.Single(s => s.Partition == e.Partition).Offset;
            // No record at or after the time: nothing to read (Offset.End); otherwise from there.
            return (e.Partition.Value, start == Offset.End || start.Value < 0 ? e.Offset.Value : start.Value, e.Offset.Value);
        })];
    }

    private static void Done(IConsumer<byte[], byte[]> consumer, string topic, int partition, Dictionary<int, long> remaining)
    {
        remaining.Remove(partition);
        consumer.Pause([new TopicPartition(topic, partition)]);
    }
}
