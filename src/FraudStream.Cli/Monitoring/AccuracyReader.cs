using Confluent.Kafka;
using FraudStream.Avro;
using FraudStream.Avro.Registry;
using FraudStream.Cli.Traffic;
using FraudStream.Training.Evaluation;

namespace FraudStream.Cli.Monitoring;

/// <summary>
/// Feeds a <see cref="LiveAccuracy"/> from Kafka: the scored topic (production's scores), the shadow topic (a
/// challenger's), and the labels topic, all read_committed from their beginning; undecodable records are skipped and counted.
/// </summary>
internal sealed class AccuracyReader : IDisposable
{
    private readonly IConsumer<byte[], byte[]> _consumer;
    private readonly ISchemaRegistry _schemas;
    private readonly string _labelsTopic;
    private readonly TransactionScoreAvroCodec _scoreCodec = new();
    private readonly FraudLabelMessageCodec _labelCodec;
    private readonly Dictionary<TopicPartition, long> _ends = [];

    private AccuracyReader(IConsumer<byte[], byte[]> consumer, ISchemaRegistry schemas, string labelsTopic)
    {
        _consumer = consumer;
        _schemas = schemas;
        _labelsTopic = labelsTopic;
        _labelCodec = new FraudLabelMessageCodec(schemas);
    }

    /// <summary>Records skipped because they could not be decoded.</summary>
    public long Undecodable { get; private set; }

    /// <summary>Score topics that do not exist and were left out (e.g. the shadow topic without a challenger ever run).</summary>
    public IReadOnlyList<string> Missing { get; private set; } = [];

    /// <summary>
    /// Opens the topics from their beginning; null with one sentence when the labels topic or the first score topic
    /// (production's, which must exist) cannot be read. Later score topics that do not exist are left out.
    /// </summary>
    public static AccuracyReader? TryOpen(string bootstrap, ISchemaRegistry schemas, IReadOnlyList<string> scoreTopics, string labelsTopic, out string? error)
    {
        var consumer = KafkaCluster.CommittedReader(bootstrap, "fraudstream-accuracy", fetchWaitMaxMs: 100);
        var reader = new AccuracyReader(consumer, schemas, labelsTopic);
        var assigned = new List<TopicPartitionOffset>();
        var missing = new List<string>();
        foreach (var (topic, i) in scoreTopics.Prepend(labelsTopic).Select((t, i) => (t, i)))
        {
            if (!KafkaCluster.TryGetPartitions(consumer.Handle, topic, bootstrap, out var partitions, out error)
                || !KafkaCluster.TryGetEnds(consumer, topic, partitions, out var ends, out error))
            {
                if (i >= 2 && error is not null && error.Contains("does not exist", StringComparison.Ordinal))
                {
                    missing.Add(topic);
                    continue;
                }

                reader.Dispose();
                return null;
            }

            foreach (var end in ends)
            {
                reader._ends[end.TopicPartition] = end.Offset.Value;
                assigned.Add(new TopicPartitionOffset(end.TopicPartition, Offset.Beginning));
            }
        }

        error = null;
        reader.Missing = missing;
        consumer.Assign(assigned);
        return reader;
    }

    /// <summary>Reads every topic up to where it ended when opened.</summary>
    public void ReadToEnd(LiveAccuracy accuracy, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(accuracy);
        var pending = _ends.Where(e => e.Value > 0).Select(e => e.Key).ToHashSet();
        while (pending.Count > 0)
        {
            stop.ThrowIfCancellationRequested();
            var result = _consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                // read_committed: an end inside an aborted transaction's records is passed without a record at it
                pending.RemoveWhere(tp => _consumer.Position(tp).Value >= _ends[tp]);
                continue;
            }

            if (result.IsPartitionEOF)
            {
                pending.Remove(result.TopicPartition);
                continue;
            }

            Take(accuracy, result);
            if (result.Offset.Value + 1 >= _ends[result.TopicPartition])
            {
                pending.Remove(result.TopicPartition);
            }
        }
    }

    /// <summary>Reads what has arrived, for up to <paramref name="budget"/>; what a long-running monitor calls in a loop.</summary>
    public void ReadAvailable(LiveAccuracy accuracy, TimeSpan budget, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(accuracy);
        var started = TimeProvider.System.GetTimestamp();
        while (!stop.IsCancellationRequested && TimeProvider.System.GetElapsedTime(started) < budget)
        {
            var result = _consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is { IsPartitionEOF: false })
            {
                Take(accuracy, result);
            }
        }
    }

    public void Dispose()
    {
        _consumer.Close();
        _consumer.Dispose();
    }

    private void Take(LiveAccuracy accuracy, ConsumeResult<byte[], byte[]> result)
    {
        try
        {
            if (result.Topic == _labelsTopic)
            {
                var label = Wait(_labelCodec.DecodeAsync(result.Message.Value));
                accuracy.Label(label.TransactionId, label.IsFraud, label.EventTime, label.LabelTime);
            }
            else
            {
                var value = result.Message.Value ?? throw new AvroDecodingException(DecodeFailure.MissingHeader, "The record has no value (a tombstone).");
                var writer = Wait(_schemas.GetWriterSchemaAsync(value));
                var score = _scoreCodec.Decode(value.AsSpan(ConfluentWireFormat.HeaderSize), writer);
                accuracy.Score(score.ModelVersion, score.TransactionId, score.Score, score.Threshold, score.EventTime);
            }
        }
        catch (AvroDecodingException)
        {
            Undecodable++;
        }
    }

    private static T Wait<T>(ValueTask<T> pending) => pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
}
