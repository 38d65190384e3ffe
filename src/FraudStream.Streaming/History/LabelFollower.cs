using Confluent.Kafka;
using FraudStream.Avro;
using FraudStream.Avro.Registry;
using FraudStream.Core.Features.History;
using FraudStream.Streaming.ExactlyOnce;
using FraudStream.Streaming.Telemetry;
using Microsoft.Extensions.Logging;

namespace FraudStream.Streaming.History;

/// <summary>
/// Reads the whole labels topic (every partition, read_committed, from the beginning) into the instance's
/// <see cref="LabelHistory"/>: merchant and terminal history spans all cards, so every instance keeps all of it.
/// </summary>
/// <remarks>
/// Before the first batch the follower reads the topic to its end as it stood then (as Kafka Streams bootstraps a
/// global table), so what was labelled before the scorer started is known to its first transactions whatever the
/// fetch timing. Before each later batch it takes in every label fetched so far. A label produced before the transactions it
/// should inform (as chargebacks and confirmations are, after the fact) is therefore seen by them, give or take the
/// fetch delay; the features use a label only from its label time on.
/// </remarks>
internal sealed partial class LabelFollower(ScorerOptions options, ISchemaRegistry registry, ScorerMetrics metrics, ILogger logger) : IDisposable
{
    private static readonly TimeSpan s_metadataTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan s_bootstrapPoll = TimeSpan.FromMilliseconds(100);

    private readonly FraudLabelMessageCodec _codec = new(registry);
    private IConsumer<byte[], byte[]>? _reader;

    /// <summary>Partitions still to be read to their end at start; empty once bootstrapped.</summary>
    private HashSet<int> _bootstrapping = [];

    /// <summary>
    /// Takes in every label fetched so far (the first time: every label the topic held when the follower opened);
    /// undecodable labels are counted and skipped (they are not the scorer's input).
    /// </summary>
    public void CatchUp(LabelHistory labels, CancellationToken stop)
    {
        var reader = _reader ??= Open();
        while (true)
        {
            stop.ThrowIfCancellationRequested();
            var result = reader.Consume(_bootstrapping.Count > 0 ? s_bootstrapPoll : TimeSpan.Zero);
            if (result is null)
            {
                if (_bootstrapping.Count > 0)
                {
                    continue; // still reading what the topic held at start
                }

                return;
            }

            if (result.IsPartitionEOF)
            {
                _bootstrapping.Remove(result.Partition.Value);
                continue;
            }

            try
            {
                var pending = _codec.DecodeAsync(result.Message.Value ?? [], stop);
                labels.Add(pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult());
                metrics.LabelRead();
            }
            catch (SchemaRegistryUnavailableException)
            {
                // Read this label again next time; the schema id is cached once the registry has answered.
                reader.Seek(result.TopicPartitionOffset);
                return;
            }
            catch (AvroDecodingException e)
            {
                metrics.LabelRejected();
                LogBadLabel(logger, result.Partition.Value, result.Offset.Value, e.Message);
            }
        }
    }

    private IConsumer<byte[], byte[]> Open()
    {
        var reader = KafkaReaders.Create(options, "labels", IsolationLevel.ReadCommitted);
        try
        {
            using var admin = new DependentAdminClientBuilder(reader.Handle).Build();
            var topic = admin.GetMetadata(options.LabelsTopic, s_metadataTimeout).Topics.Find(t => t.Topic == options.LabelsTopic);
            var partitions = topic?.Partitions.Select(p => new TopicPartitionOffset(options.LabelsTopic, p.PartitionId, Offset.Beginning)).ToList() ?? [];
            reader.Assign(partitions);

            // Read to the end each partition had now (read_committed: its last stable offset); an empty one is done already.
            _bootstrapping = [.. partitions
                .Where(p => reader.QueryWatermarkOffsets(p.TopicPartition, s_metadataTimeout) is var w && w.High.Value > w.Low.Value)
                .Select(p => p.Partition.Value)];
            LogFollowing(logger, options.LabelsTopic, partitions.Count);
            return reader;
        }
        catch
        {
            reader.Dispose(); // a Kafka error while opening: the caller waits and opens again
            throw;
        }
    }

    public void Dispose()
    {
        _reader?.Close();
        _reader?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Following labels topic {Topic} ({Partitions} partitions) from the beginning.")]
    private static partial void LogFollowing(ILogger logger, string topic, int partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping an undecodable label at partition {Partition} offset {Offset}: {Reason}")]
    private static partial void LogBadLabel(ILogger logger, int partition, long offset, string reason);
}
