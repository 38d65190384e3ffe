using System.Buffers;
using System.Text;
using Confluent.Kafka;
using FraudStream.Avro;
using FraudStream.Core.Outputs;
using FraudStream.Serving;

namespace FraudStream.Streaming.ExactlyOnce;

// This file: what a batch produces besides its alerts' encoding: scores, the changelog, and the arrays Produce takes.
public sealed partial class ScoringBatchHandler
{
    // Used on the loop thread only (Produce): Confluent.Kafka copies a record's key and value before Produce returns.
    private readonly ArrayBufferWriter<byte> _valueBuffer = new(512);
    private readonly ArrayBufferWriter<byte> _keyBuffer = new(64);
    private readonly ProduceArrays _keys = new();
    private readonly ProduceArrays _values = new();
    private readonly Message<byte[], byte[]> _record = new();
    private TopicPartition?[] _changelogPartitions = [];

    /// <summary>
    /// The batch's card histories, each to the changelog partition numbered as its input partition, in the batch's
    /// transaction: the state commits with the offsets that produced it, or not at all.
    /// </summary>
    private void ProduceChangelog(IProducer<byte[], byte[]> producer, RecordBatch batch, ScoringWork work)
    {
        var changelog = work.Changelog;
        long bytes = 0;
        var records = 0;
        for (var i = 0; i < changelog.Count; i++)
        {
            var partition = changelog.Partition(i);
            if (batch.Dropped.Count > 0 && batch.Dropped.Contains(new TopicPartition(_options.InputTopic, partition)))
            {
                continue;
            }

            _record.Key = _keys.Holding(changelog.Key(i));
            _record.Value = changelog.IsTombstone(i) ? null! : _values.Holding(changelog.Value(i));
            producer.Produce(ChangelogPartition(partition), _record);
            bytes += _record.Key.Length + (_record.Value?.Length ?? 0);
            records++;
        }

        if (records > 0)
        {
            metrics.ChangelogWritten(records, bytes);
        }
    }

    /// <summary>The changelog partition numbered as input partition <paramref name="partition"/>, made once.</summary>
    private TopicPartition ChangelogPartition(int partition)
    {
        if (partition >= _changelogPartitions.Length)
        {
            Array.Resize(ref _changelogPartitions, partition + 1);
        }

        return _changelogPartitions[partition] ??= new TopicPartition(_options.ChangelogTopic, partition);
    }

    private void ProduceScores(
        IProducer<byte[], byte[]> producer, string topic, int schemaId, RecordBatch batch, ScoringWork work, ScoredBatch scored, DateTimeOffset scoredAt)
    {
        for (var row = 0; row < scored.Rows; row++)
        {
            if (!batch.Keeps(work.TransactionRows[row]))
            {
                continue;
            }

            var transaction = work.Transactions[row];
            var source = batch.Records[work.TransactionRows[row]];
            var score = scored.Score(row);
            ConfluentWireFormat.WriteHeader(StartValue(), schemaId);
            _scoreCodec.Encode(
                new TransactionScore(
                    transaction.TransactionId,
                    transaction.CardId,
                    score,
                    scored.Model.Threshold,
                    score >= scored.Model.Threshold,
                    scored.Model.Version,
                    source.Topic,
                    source.Partition.Value,
                    source.Offset.Value,
                    transaction.EventTime,
                    scoredAt),
                _valueBuffer);
            ProduceValue(producer, topic, transaction.CardId);
        }
    }

    private ArrayBufferWriter<byte> StartValue()
    {
        _valueBuffer.ResetWrittenCount();
        return _valueBuffer;
    }

    /// <summary>Produces the value framed in the buffer, keyed by card id (one card's records stay on one partition).</summary>
    private void ProduceValue(IProducer<byte[], byte[]> producer, string topic, string cardId)
    {
        _keyBuffer.ResetWrittenCount();
        Encoding.UTF8.GetBytes(cardId, _keyBuffer);
        _record.Key = _keys.Holding(_keyBuffer.WrittenSpan);
        _record.Value = _values.Holding(_valueBuffer.WrittenSpan);
        producer.Produce(topic, _record);
    }
}
