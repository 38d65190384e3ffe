using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FraudStream.Avro;
using FraudStream.Avro.Registry;
using FraudStream.Api;
using FraudStream.Cli.Hosting;
using FraudStream.Cli.Traffic;
using FraudStream.Core;
using FraudStream.Core.Outputs;
using FraudStream.Streaming.ExactlyOnce;

namespace FraudStream.Cli.Verbs;

/// <summary>
/// `fraudstream alerts`: follows the alerts topic with read_committed (so only alerts of committed scorer transactions
/// appear) and prints each as a table row or a JSON line, until Ctrl+C, SIGTERM or <c>--max</c> alerts.
/// </summary>
internal static class AlertsVerb
{
    private const string RowFormat = "{0,-23}  {1,-18}  {2,-10}  {3,10}  {4,6}  {5,9}  {6,-15}  {7}";
    private static readonly TimeSpan s_registryRetry = TimeSpan.FromSeconds(1);

    public static Command Create()
    {
        var topic = new Option<string>("--topic") { Description = "The alerts topic.", HelpName = "name", DefaultValueFactory = _ => KafkaTopics.DefaultFraudAlerts };
        var json = new Option<bool>("--json") { Description = "Print JSON lines (the fields of schemas/fraud_alert.avsc, snake_case) instead of a table." };
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "Start at the beginning of the topic (default: only alerts committed from now on)." };
        var max = new Option<int?>("--max")
        {
            Description = "Exit after printing this many alerts.",
            HelpName = "n",
            CustomParser = result => OptionValues.PositiveCount(result, "--max"),
        };
        var bootstrap = KafkaCluster.CreateBootstrapOption();
        var schemaRegistry = WriterSchemas.CreateOption();

        var command = new Command(
            "alerts",
            "Follow the fraud alerts (read_committed: only alerts of committed scorer transactions) and print each as a table row "
            + "or a JSON line, until Ctrl+C or SIGTERM.")
        {
            topic, json, fromBeginning, max, bootstrap, schemaRegistry,
        };
        command.SetAction((parseResult, _) => RunAsync(
            parseResult.GetValue(topic)!,
            parseResult.GetValue(json),
            parseResult.GetValue(fromBeginning),
            parseResult.GetValue(max),
            parseResult.GetValue(bootstrap),
            parseResult.GetValue(schemaRegistry)));
        return command;
    }

    private static async Task<int> RunAsync(string topic, bool json, bool fromBeginning, int? max, string? bootstrapOption, string? schemaRegistryUrl)
    {
        var bootstrap = KafkaCluster.ResolveBootstrap(bootstrapOption);
        if (bootstrap is null)
        {
            await Console.Error.WriteLineAsync(KafkaCluster.MissingBootstrap);
            return CommandLineRunner.UsageError;
        }

        var schemas = WriterSchemas.Open(schemaRegistryUrl, TimeProvider.System, out var schemaError);
        if (schemas is null)
        {
            await Console.Error.WriteLineAsync(schemaError);
            return CommandLineRunner.UsageError;
        }

        using var termination = new TerminationSignal();
        using var consumer = KafkaCluster.CommittedReader(bootstrap, "fraudstream-alerts", fetchWaitMaxMs: 100);

        if (!KafkaCluster.TryGetPartitions(consumer.Handle, topic, bootstrap, out var partitions, out var error))
        {
            await Console.Error.WriteLineAsync(error);
            return 1;
        }

        List<TopicPartitionOffset> start;
        if (fromBeginning)
        {
            start = [.. partitions.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning))];
        }
        else if (!KafkaCluster.TryGetEnds(consumer, topic, partitions, out start, out error))
        {
            await Console.Error.WriteLineAsync(error);
            return 1;
        }

        consumer.Assign(start);
        await Console.Error.WriteLineAsync(
            $"Following '{topic}' ({partitions.Count} partition{(partitions.Count == 1 ? "" : "s")}, read_committed) "
            + $"{(fromBeginning ? "from the beginning" : "from now on")}. Ctrl+C to stop.");
        if (!json)
        {
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, RowFormat,
                "SCORED (UTC)", "TRANSACTION", "CARD", "AMOUNT", "SCORE", "THRESHOLD", "MODEL", "TOP FEATURE"));
        }

        // The consumer blocks in Consume: give it a thread of its own, away from the signal handlers.
        await Task.Run(() => Follow(consumer, new AlertDecoder(schemas), json, max, termination.Token), CancellationToken.None);
        consumer.Close();
        return 0;
    }

    private static void Follow(IConsumer<byte[], byte[]> consumer, AlertDecoder decoder, bool json, int? max, CancellationToken stop)
    {
        var printed = 0;
        while (!stop.IsCancellationRequested && (max is null || printed < max))
        {
            ConsumeResult<byte[], byte[]> result;
            try
            {
                result = consumer.Consume(stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ConsumeException e)
            {
                Console.Error.WriteLine($"{e.ConsumerRecord?.TopicPartitionOffset.ToString() ?? "Kafka"}: cannot consume: {e.Error.Reason}");
                continue;
            }

            if (Decode(decoder, result, stop) is not { } alert)
            {
                continue;
            }

            Console.WriteLine(json ? ToJson(alert) : ToRow(alert));
            printed++;
        }
    }

    /// <summary>The alert, or null after one stderr line naming the record and why it cannot be read.</summary>
    private static FraudAlert? Decode(AlertDecoder decoder, ConsumeResult<byte[], byte[]> result, CancellationToken stop)
    {
        while (true)
        {
            try
            {
                return decoder.Decode(result.Message.Value);
            }
            catch (AvroDecodingException e)
            {
                Console.Error.WriteLine(
                    $"Skipped the record at partition {result.Partition.Value} offset {result.Offset.Value}: "
                    + $"{ScoringBatchHandler.ReasonName(e.Reason)}: {e.Message.TrimEnd('.')}.");
                return null;
            }
            catch (SchemaRegistryUnavailableException e)
            {
                // Not the record's fault: wait for the registry and read the same record again.
                Console.Error.WriteLine($"{e.Message} Retrying in {s_registryRetry.TotalSeconds:F0} s.");
                if (stop.WaitHandle.WaitOne(s_registryRetry))
                {
                    return null;
                }
            }
        }
    }

    private static string ToRow(FraudAlert alert)
    {
        var top = alert.TopFeatures.Count > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{alert.TopFeatures[0].Name}={alert.TopFeatures[0].Value:G4} ({alert.TopFeatures[0].Contribution:+0.00;-0.00})")
            : "-";
        return string.Format(CultureInfo.InvariantCulture, RowFormat,
            alert.ScoredTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
            alert.TransactionId,
            alert.CardId,
            alert.Amount.ToString("F2", CultureInfo.InvariantCulture),
            alert.Score.ToString("F3", CultureInfo.InvariantCulture),
            alert.Threshold.ToString("F3", CultureInfo.InvariantCulture),
            alert.ModelVersion,
            top);
    }

    /// <summary>One line of JSON with the field names of schemas/fraud_alert.avsc; timestamps as ISO 8601 UTC.</summary>
    internal static string ToJson(FraudAlert alert)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("transaction_id", alert.TransactionId);
            writer.WriteString("card_id", alert.CardId);
            writer.WriteNumber("amount", alert.Amount);
            writer.WriteNumber("score", alert.Score);
            writer.WriteNumber("threshold", alert.Threshold);
            writer.WriteString("model_version", alert.ModelVersion);
            FeatureContributionJson.WriteArray(writer, "top_features", alert.TopFeatures);
            writer.WriteString("source_topic", alert.SourceTopic);
            writer.WriteNumber("source_partition", alert.SourcePartition);
            writer.WriteNumber("source_offset", alert.SourceOffset);
            writer.WriteString("event_time", Timestamp(alert.EventTime));
            writer.WriteString("scored_time", Timestamp(alert.ScoredTime));
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
