using System.CommandLine;
using System.Globalization;
using System.CommandLine.Parsing;
using FraudStream.Cli.Hosting;
using FraudStream.Core;
using FraudStream.DevBroker;
using Microsoft.Extensions.Logging;

namespace FraudStream.Cli.Verbs;

/// <summary>`fraudstream broker`: runs a development broker (librdkafka's mock cluster) until Ctrl+C or SIGTERM.</summary>
internal static class BrokerVerb
{
    /// <summary>Each mock broker is a listener and a thread in this process; more than this helps no test.</summary>
    private const int MaxBrokers = 64;

    public static Command Create()
    {
        var brokers = new Option<int>("--brokers")
        {
            Description = "Number of brokers, all on loopback.",
            DefaultValueFactory = _ => 3,
            CustomParser = result => (int)ParseCount(result, "--brokers", MaxBrokers),
        };

        var topics = new Option<TopicSpec[]>("--topic")
        {
            Description = "A topic to create, as name:partitions; repeatable. Adds to or overrides the defaults "
                + $"transactions:8, fraud_alerts:8, transactions_dlq:1, fraud_labels:8 and {KafkaTopics.DefaultCardHistoryChangelog} "
                + "(partitioned as transactions; the development broker does not compact it).",
            HelpName = "name:partitions",
            CustomParser = ParseTopics,
            DefaultValueFactory = _ => [],
        };

        var bootstrapFile = new Option<FileInfo?>("--bootstrap-file")
        {
            Description = "Write the bootstrap servers to this file once the broker is up, and delete it on exit.",
            HelpName = "path",
        };
        bootstrapFile.Validators.Add(result =>
        {
            var file = result.GetValueOrDefault<FileInfo?>();
            if (file?.Directory is { Exists: false } directory)
            {
                result.AddError($"--bootstrap-file: the directory '{directory.FullName}' does not exist.");
            }
        });

        var retentionBytes = new Option<long>("--retention-bytes")
        {
            Description = "Bytes each partition keeps before dropping its oldest records.",
            DefaultValueFactory = _ => DevelopmentBrokerOptions.DefaultRetentionBytesPerPartition,
            CustomParser = result => ParseCount(result, "--retention-bytes", long.MaxValue),
        };

        var command = new Command(
            "broker",
            "Run a development Kafka broker (librdkafka's mock cluster on loopback) until Ctrl+C or SIGTERM. Not for production.")
        {
            brokers,
            topics,
            bootstrapFile,
            retentionBytes,
        };

        command.SetAction((parseResult, _) =>
        {
            var options = new DevelopmentBrokerOptions
            {
                BrokerCount = parseResult.GetValue(brokers),
                RetentionBytesPerPartition = parseResult.GetValue(retentionBytes),
            };
            var given = parseResult.GetValue(topics) ?? [];
            options.Topics[KafkaTopics.DefaultFraudLabels] = 8;
            foreach (var topic in given)
            {
                options.Topics[topic.Name] = topic.Partitions;
            }

            // A card's history lives with its input partition, so the changelog follows the input's partition count.
            if (given.All(t => t.Name != KafkaTopics.DefaultCardHistoryChangelog)
                && options.Topics.TryGetValue(KafkaTopics.DefaultTransactions, out var inputPartitions))
            {
                options.Topics[KafkaTopics.DefaultCardHistoryChangelog] = inputPartitions;
            }

            return RunAsync(options, parseResult.GetValue(bootstrapFile));
        });

        return command;
    }

    private static async Task<int> RunAsync(DevelopmentBrokerOptions options, FileInfo? bootstrapFile)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return CommandLineRunner.UsageError;
        }

        using var termination = new TerminationSignal();
        using var loggerFactory = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddSimpleConsole(console => console.SingleLine = true));

        DevelopmentBroker broker;
        try
        {
            broker = DevelopmentBroker.Start(options, loggerFactory.CreateLogger<DevelopmentBroker>());
        }
        catch (DllNotFoundException)
        {
            await Console.Error.WriteLineAsync(
                "The development broker's library (libfraudstream-devbroker.so) could not be loaded: run `make deps` to build it, then build again.");
            return 1;
        }
        catch (DevelopmentBrokerException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 1;
        }

        await using (broker)
        {
            if (bootstrapFile is not null)
            {
                try
                {
                    await WriteAtomicallyAsync(bootstrapFile, broker.BootstrapServers + "\n");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    await Console.Error.WriteLineAsync($"--bootstrap-file: cannot write '{bootstrapFile.FullName}': {e.Message}");
                    return 1;
                }
            }

            try
            {
                PrintBanner(options, broker, bootstrapFile);
                await termination.WaitAsync();
            }
            finally
            {
                bootstrapFile?.Delete();
            }
        }

        Console.WriteLine("Development broker stopped.");
        return 0;
    }

    private static void PrintBanner(DevelopmentBrokerOptions options, DevelopmentBroker broker, FileInfo? bootstrapFile)
    {
        var topics = string.Join(", ", options.Topics.Select(t => $"{t.Key} ({t.Value} {(t.Value == 1 ? "partition" : "partitions")})"));
        Console.WriteLine("FraudStream DEVELOPMENT broker: librdkafka's mock cluster on loopback, for development and tests only.");
        Console.WriteLine("Not for production: everything is kept in memory and lost when it stops.");
        Console.WriteLine($"Brokers: {options.BrokerCount}. librdkafka {DevelopmentBroker.LibrdkafkaVersion} with FraudStream's mock-cluster patch (libfraudstream-devbroker.so).");
        Console.WriteLine($"Topics: {topics}.");
        if (bootstrapFile is not null)
        {
            Console.WriteLine($"Bootstrap file: {bootstrapFile.FullName}");
        }

        Console.WriteLine("Bootstrap servers:");
        Console.WriteLine(broker.BootstrapServers);
        Console.WriteLine("Press Ctrl+C (or send SIGTERM) to stop.");
    }

    /// <summary>Readers polling for the file never see it half-written: write beside it, then rename over it.</summary>
    private static async Task WriteAtomicallyAsync(FileInfo file, string contents)
    {
        var temporary = Path.Combine(file.DirectoryName ?? ".", $".{file.Name}.{Environment.ProcessId}.tmp");
        try
        {
            await File.WriteAllTextAsync(temporary, contents);
            File.Move(temporary, file.FullName, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Parses a count so that a bad value is a usage error naming the option, not an exception.</summary>
    private static long ParseCount(ArgumentResult result, string option, long maximum)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= 1 && value <= maximum)
        {
            return value;
        }

        result.AddError($"{option} must be a whole number from 1 to {maximum}, not '{text}'.");
        return 0;
    }

    private static TopicSpec[] ParseTopics(ArgumentResult result)
    {
        var specs = new List<TopicSpec>(result.Tokens.Count);
        foreach (var token in result.Tokens)
        {
            var separator = token.Value.LastIndexOf(':');
            if (separator <= 0
                || !int.TryParse(token.Value.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var partitions)
                || partitions < 1)
            {
                result.AddError($"--topic '{token.Value}' is not name:partitions with at least 1 partition, e.g. transactions:8.");
                return [];
            }

            var name = token.Value[..separator];
            if (!KafkaTopics.IsLegalName(name))
            {
                result.AddError($"--topic '{token.Value}': '{name}' is not a legal Kafka topic name (1 to 249 of a-z, A-Z, 0-9, '.', '_', '-').");
                return [];
            }

            specs.Add(new TopicSpec(name, partitions));
        }

        return [.. specs];
    }

    private sealed record TopicSpec(string Name, int Partitions);
}
