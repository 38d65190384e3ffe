using Confluent.Kafka;
using FraudStream.Streaming.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>
/// Moves every assigned partition back to the group's committed offset as the broker has it, after an abort, a
/// failed or ambiguous commit, or a rebuilt producer. Never to offsets remembered in memory: a commit whose request
/// reached the coordinator may complete during the next InitTransactions, and redoing its batch from memory would
/// produce it twice.
/// </summary>
internal sealed partial class CommittedOffsetRewind(
    IOptions<ScorerOptions> options,
    ScorerMetrics metrics,
    TimeProvider time,
    ILogger<CommittedOffsetRewind> logger)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Seeks each assigned partition to its committed offset (when it has none: the first offset read since it was
    /// assigned, else the reset policy's end); false when stopped first.
    /// </summary>
    public bool Rewind(IConsumer<byte[], byte[]> consumer, Func<TopicPartition, long?> firstOffsetRead, CancellationToken stop)
    {
        var assignment = consumer.Assignment;
        if (assignment.Count == 0)
        {
            return true;
        }

        var backoff = new Backoff(time);
        List<TopicPartitionOffset> committed;
        while (true)
        {
            try
            {
                // read_committed makes this an OffsetFetch that requires stable offsets (KIP-447): a commit still
                // completing is waited for, not read half-done.
                committed = consumer.Committed(assignment, s_timeout);
                break;
            }
            catch (KafkaException e)
            {
                LogCommittedFailed(logger, e.Error.Code, e.Error.Reason, backoff.Delay.TotalSeconds);
                if (backoff.Wait(stop))
                {
                    return false;
                }
            }
        }

        // No committed offset yet: back to the first record read since assignment (nothing before it was ours), else
        // the reset policy. Seeking to "latest" would skip every record read and not committed.
        var reset = options.Value.AutoOffsetReset == "latest" ? Offset.End : Offset.Beginning;
        foreach (var partition in committed)
        {
            var to = !partition.Offset.IsSpecial ? partition.Offset
                : firstOffsetRead(partition.TopicPartition) is { } first ? new Offset(first)
                : reset;
            consumer.Seek(new TopicPartitionOffset(partition.TopicPartition, to));
        }

        metrics.Rewound();
        LogRewound(logger, string.Join(", ", committed.Select(c => $"{c.Partition.Value}@{c.Offset}")));
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the group's committed offsets failed ({Code}: {Reason}); retrying in {Seconds} s.")]
    private static partial void LogCommittedFailed(ILogger logger, ErrorCode code, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming from the committed offsets the broker holds: {Offsets}.")]
    private static partial void LogRewound(ILogger logger, string offsets);
}
