using System.Globalization;
using FraudStream.Avro;
using FraudStream.Avro.Registry;

namespace FraudStream.Cli.Retraining;

/// <summary>
/// Counts the labels on the labels topic known after a time, reading from the first record timestamped a margin before it
/// (a label is produced once known) to the topic's end at the start of the count.
/// </summary>
internal sealed class KafkaLabelCounter(KafkaTrainingSource source, TimeProvider time) : INewLabelCounter
{
    /// <inheritdoc />
    public async Task<(long Count, string? Note)> CountAfterAsync(DateTimeOffset after, CancellationToken cancellation)
    {
        var codec = new FraudLabelMessageCodec(source.Schemas);
        long count = 0;
        DateTimeOffset? since = after == DateTimeOffset.MinValue ? null : after - source.TimestampMargin;
        TopicReadSummary read;
        try
        {
            read = await new TopicSnapshotReader(source.Bootstrap, time).ReadAsync(
                source.LabelsTopic, since, codec.DecodeAsync, label => count += label.LabelTime > after ? 1 : 0, cancellation);
        }
        catch (SchemaRegistryUnavailableException e)
        {
            throw new TopicReadException($"The Schema Registry did not answer for a label's writer schema ({e.Message}); try again when it is up.");
        }

        return (count, read.Skipped > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{read.Skipped:N0} undecodable labels skipped")
            : null);
    }
}
