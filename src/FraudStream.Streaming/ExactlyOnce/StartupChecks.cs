using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>A check the engine runs once the cluster answers, before it subscribes: a problem stops the instance at start.</summary>
public interface IStartupCheck
{
    /// <summary>One sentence saying what to fix, or null when all is well (or the cluster did not answer: that is retried, not a settings problem).</summary>
    string? FindProblem(IConsumer<byte[], byte[]> consumer);
}

/// <summary>
/// Every topic the settings name must exist. Asked through the consumer, which does not create topics
/// (allow.auto.create.topics is off unless Scorer:Consumer turns it on), so a misspelt alerts topic stops the scorer
/// at start instead of failing every transaction.
/// </summary>
public sealed partial class TopicsExistCheck(IOptions<ScorerOptions> options, ILogger<TopicsExistCheck> logger) : IStartupCheck
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public string? FindProblem(IConsumer<byte[], byte[]> consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        var settings = options.Value;
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        foreach (var (setting, topic) in settings.Topics())
        {
            Metadata metadata;
            try
            {
                metadata = admin.GetMetadata(topic, s_timeout);
            }
            catch (KafkaException e)
            {
                LogUnanswered(logger, e.Error.Code, e.Error.Reason);
                return null;
            }

            if (metadata.Topics.Find(t => t.Topic == topic) is not { Error.IsError: false, Partitions.Count: > 0 })
            {
                return $"The topic '{topic}' ({setting}) does not exist on the cluster at {settings.BootstrapServers}: create it, or name an existing topic in {setting}.";
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The topic check got no answer from the cluster ({Code}: {Reason}); going on.")]
    private static partial void LogUnanswered(ILogger logger, ErrorCode code, string reason);
}
