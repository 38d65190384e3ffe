using System.CommandLine;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using FraudStream.Avro;
using FraudStream.Cli.Hosting;
using FraudStream.Cli.Traffic;
using FraudStream.Core;
using FraudStream.Core.Transactions;

namespace FraudStream.Cli.Verbs;

/// <summary>
/// `fraudstream label`: produces a user's labels (chargebacks, analysts' confirmations) from a CSV to the labels topic:
/// Avro in the Confluent wire format, key = card id, idempotent producer. The whole file is checked before anything is produced.
/// </summary>
internal static class LabelVerb
{
    private static readonly TimeSpan s_flushLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_flushLimitWhenStopping = TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var data = new Option<FileInfo>("--data")
        {
            Description = "Labels CSV: transaction_id,card_id,merchant_id,terminal_id,is_fraud,event_time,label_time (label_time empty = now).",
            Required = true,
            HelpName = "labels.csv",
        };
        var bootstrap = KafkaCluster.CreateBootstrapOption();
        var topic = new Option<string>("--topic") { Description = "The labels topic.", HelpName = "name", DefaultValueFactory = _ => KafkaTopics.DefaultFraudLabels };
        var schemaRegistry = WriterSchemas.CreateOption();
        var command = new Command(
            "label",
            "Produce labels (chargebacks, analysts' confirmations) from a CSV to the labels topic: Avro in the Confluent wire format, "
            + "keyed by card, idempotent producer. The whole file is checked first; a bad row produces nothing.")
        {
            data, bootstrap, topic, schemaRegistry,
        };
        command.SetAction((parseResult, _) => RunAsync(
            parseResult.GetValue(data)!, parseResult.GetValue(bootstrap), parseResult.GetValue(topic)!, parseResult.GetValue(schemaRegistry), TimeProvider.System));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo data, string? bootstrapOption, string topic, string? schemaRegistryUrl, TimeProvider time)
    {
        var bootstrap = KafkaCluster.ResolveBootstrap(bootstrapOption);
        if (bootstrap is null)
        {
            await Console.Error.WriteLineAsync(KafkaCluster.MissingBootstrap);
            return CommandLineRunner.UsageError;
        }

        // One "now" for both passes, so a row without label_time gets the same time when checked and when produced.
        var now = time.GetUtcNow();
        var (checkedFile, exitCode) = await CheckAsync(data, now);
        if (checkedFile is not { } file)
        {
            return exitCode;
        }

        var schemas = WriterSchemas.Open(schemaRegistryUrl, time, out var schemaError);
        if (schemas is null)
        {
            await Console.Error.WriteLineAsync(schemaError);
            return CommandLineRunner.UsageError;
        }

        using var termination = new TerminationSignal();
        int? schemaId;
        try
        {
            schemaId = await WriterSchemas.RegisterAsync(schemas, topic, "fraud_label.avsc", termination.Token);
        }
        catch (OperationCanceledException)
        {
            return 1;
        }

        if (schemaId is null)
        {
            return 1;
        }

        using var producer = IdempotentProducing.Build(bootstrap, "fraudstream-label", s_flushLimit);
        if (!KafkaCluster.TryGetPartitions(producer.Handle, topic, bootstrap, out _, out var topicError))
        {
            await Console.Error.WriteLineAsync(topicError);
            return 1;
        }

        var tally = new ProduceTally(time);
        var codec = new FraudLabelMessageCodec(schemas);
        string? changed = null;
        try
        {
            using var reader = new StreamReader(data.FullName);
            foreach (var label in FraudLabelCsv.Read(reader, now, data.Name))
            {
                var message = new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes(label.CardId), Value = codec.Encode(label, schemaId.Value) };
                if (!await IdempotentProducing.ProduceAsync(producer, topic, message, tally, termination.Token))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (termination.Token.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM: stop producing, then flush and report what was sent.
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            changed = $"{data.Name} changed or became unreadable while its labels were produced ({e.Message})";
        }

        await IdempotentProducing.FlushAsync(producer, termination.Token.IsCancellationRequested ? s_flushLimitWhenStopping : s_flushLimit);
        var invariant = CultureInfo.InvariantCulture;
        var complete = changed is null && tally.Acknowledged == file.Labels && tally.Errors == 0;
        Console.WriteLine(string.Create(invariant,
            $"Produced {tally.Acknowledged:N0} of {file.Labels:N0} labels ({file.Fraud:N0} fraud, {file.Labels - file.Fraud:N0} genuine in the file) from {data.Name} to '{topic}'; errors {tally.Errors:N0}."));
        if (!complete)
        {
            await Console.Error.WriteLineAsync(changed
                ?? (tally.FirstError is { } first ? $"Not every label was acknowledged (first error: {first})." : "Stopped before every label was acknowledged."));
        }

        return complete ? 0 : 1;
    }

    /// <summary>Reads the whole file once; the counts, or null and the exit code after one sentence on stderr.</summary>
    private static async Task<(LabelFile? File, int ExitCode)> CheckAsync(FileInfo data, DateTimeOffset now)
    {
        if (Directory.Exists(data.FullName) || !data.Exists)
        {
            await Console.Error.WriteLineAsync($"--data: '{data.FullName}' is not a file; name the labels CSV to produce.");
            return (null, CommandLineRunner.UsageError);
        }

        try
        {
            using var reader = new StreamReader(data.FullName);
            long labels = 0, fraud = 0;
            foreach (var label in FraudLabelCsv.Read(reader, now, data.Name))
            {
                labels++;
                fraud += label.IsFraud ? 1 : 0;
            }

            if (labels == 0)
            {
                await Console.Error.WriteLineAsync($"{data.Name} has a header but no labels: nothing to produce.");
                return (null, CommandLineRunner.UsageError);
            }

            return (new LabelFile(labels, fraud), 0);
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync(e.Message + " Nothing was produced.");
            return (null, CommandLineRunner.UsageError);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"Could not read --data '{data.FullName}' ({e.Message}).");
            return (null, 1);
        }
    }

    private readonly record struct LabelFile(long Labels, long Fraud);
}
