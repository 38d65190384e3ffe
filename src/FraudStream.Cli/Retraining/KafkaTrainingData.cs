using System.Globalization;
using FraudStream.Avro;
using FraudStream.Avro.Registry;
using FraudStream.Cli.Hosting;
using FraudStream.Core.Models;
using FraudStream.Core.Transactions;
using FraudStream.Training.Data;

namespace FraudStream.Cli.Retraining;

/// <summary>
/// Training data read from Kafka: the transactions of an event-time window and every label known before its end, joined as
/// <see cref="LabelJoin"/> says, into the same <see cref="TrainingSet"/> a CSV gives the trainer.
/// </summary>
internal static class KafkaTrainingData
{
    /// <summary>
    /// <see cref="ReadAsync"/>, with its failures as one sentence on stderr and an exit code: 1 when Kafka or the Schema Registry
    /// failed, 2 when the window holds nothing to train on.
    /// </summary>
    public static async Task<(TrainingSet? Data, int ExitCode)> TryReadAsync(
        KafkaTrainingSource source, TimeRange window, TimeSpan labelDelay, TimeProvider time, CancellationToken cancellation)
    {
        try
        {
            var data = await ReadAsync(source, window, labelDelay, time, cancellation);
            if (data.Rows.Count > 0)
            {
                return (data, 0);
            }

            await Console.Error.WriteLineAsync(
                $"No transaction to train on in '{source.Topic}' from {LabelledTransactionCsv.FormatTime(window.From)} to {LabelledTransactionCsv.FormatTime(window.To)}: widen the window or check the topics.");
            return (null, CommandLineRunner.UsageError);
        }
        catch (TopicReadException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return (null, 1);
        }
        catch (SchemaRegistryUnavailableException e)
        {
            await Console.Error.WriteLineAsync($"The Schema Registry did not answer for a writer schema ({e.Message}); try again when it is up.");
            return (null, 1);
        }
    }

    /// <summary>Reads and joins the window, printing what was read and how it was used.</summary>
    /// <exception cref="TopicReadException">A topic could not be read.</exception>
    /// <exception cref="SchemaRegistryUnavailableException">The Schema Registry did not answer.</exception>
    public static async Task<TrainingSet> ReadAsync(
        KafkaTrainingSource source, TimeRange window, TimeSpan labelDelay, TimeProvider time, CancellationToken cancellation)
    {
        var reader = new TopicSnapshotReader(source.Bootstrap, time);
        var join = new LabelJoin(window, labelDelay, source.WarmUp);

        // A transaction in the window or its warm-up, and its label, were both produced after the warm-up's start (less the margin).
        var start = window.From - source.WarmUp - source.TimestampMargin;
        var transactions = new TransactionMessageCodec(source.Schemas, new TransactionAvroCodec());
        var transactionsRead = await reader.ReadAsync(source.Topic, start, transactions.DecodeAsync, join.Add, cancellation);
        var labels = new FraudLabelMessageCodec(source.Schemas);
        var labelsRead = await reader.ReadAsync(source.LabelsTopic, start, labels.DecodeAsync, join.Add, cancellation);

        var joined = join.Complete();
        var c = joined.Counts;
        var invariant = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(invariant, $"Read {Describe(transactionsRead)} and {Describe(labelsRead)}."));
        Console.WriteLine(string.Create(invariant,
            $"Window {LabelledTransactionCsv.FormatTime(window.From)} to {LabelledTransactionCsv.FormatTime(window.To)}: {c.Transactions:N0} transactions; "
            + $"trained on {c.Fraud:N0} labelled fraud, {c.Genuine:N0} labelled genuine and {c.GenuineWithoutLabel:N0} genuine without a label (older than the label delay); "
            + $"{c.AwaitingLabel:N0} awaiting a label and {c.WarmUp:N0} of the {source.WarmUp.TotalDays:0.##} d warm-up before it feed history only. "
            + $"Ignored: {c.OutsideWindow:N0} transactions outside the window and its warm-up, "
            + $"{c.DuplicateTransactions:N0} repeated ids, {c.LabelsAfterEnd:N0} labels known after the window's end, "
            + $"{c.LabelsWithoutTransaction:N0} labelled transactions not in the window."));

        return new TrainingSet(
            joined.Rows,
            new TrainingSource($"kafka:{source.Topic}", TrainingSource.Sha256OfRows(joined.Rows), window, join.Describe(source.LabelsTopic, c)))
        {
            Unlabelled = joined.Unlabelled,
            WarmUp = joined.WarmUp,
        };
    }

    private static string Describe(TopicReadSummary read) => string.Create(CultureInfo.InvariantCulture,
        $"{read.Records:N0} records from '{read.Topic}' ({read.Skipped:N0} undecodable, skipped{(read.FirstProblem is { } first ? $"; the first at {first}" : "")})");
}
