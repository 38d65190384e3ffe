using Confluent.Kafka;
using FraudStream.Streaming.ExactlyOnce;
using Microsoft.Extensions.Options;

namespace FraudStream.Streaming.History;

/// <summary>
/// The changelog must have exactly the input topic's partitions: input partition p's card state lives in changelog
/// partition p, so a different count would put a card's history where its owner never reads it.
/// </summary>
public sealed class ChangelogPartitionsCheck(IOptions<ScorerOptions> options) : IStartupCheck
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public string? FindProblem(IConsumer<byte[], byte[]> consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        var settings = options.Value;
        if (!settings.KeepHistory)
        {
            return null;
        }

        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        int input, changelog;
        try
        {
            input = admin.GetMetadata(settings.InputTopic, s_timeout).Topics.Find(t => t.Topic == settings.InputTopic)?.Partitions.Count ?? 0;
            changelog = admin.GetMetadata(settings.ChangelogTopic, s_timeout).Topics.Find(t => t.Topic == settings.ChangelogTopic)?.Partitions.Count ?? 0;
        }
        catch (KafkaException)
        {
            return null; // no answer: the topic check has said so; not a settings problem
        }

        return input > 0 && changelog > 0 && input != changelog
            ? $"The changelog topic '{settings.ChangelogTopic}' has {changelog} partitions but the input topic '{settings.InputTopic}' has {input}: recreate the changelog (compacted) with {input} partitions, or set Scorer:ChangelogTopic to one that has."
            : null;
    }
}
