using System.CommandLine;
using System.Globalization;
using FraudStream.Cli.Hosting;
using FraudStream.Cli.Retraining;
using FraudStream.Core.Features;
using FraudStream.Core.Features.History;
using FraudStream.Core.Models;
using FraudStream.Core.Transactions;
using FraudStream.Registry;
using FraudStream.Training;
using FraudStream.Training.Data;
using FraudStream.XGBoost;

namespace FraudStream.Cli.Verbs;

/// <summary>
/// `fraudstream train`: trains and evaluates a model on labelled transactions, from a CSV or from the Kafka topics, publishes
/// it as a new registry version, and promotes it to production when it is at least as good as the production model on the
/// same test rows (or with --force).
/// </summary>
internal static class TrainVerb
{
    public static Command Create()
    {
        var data = new Option<FileInfo?>("--data") { Description = "Labelled transactions CSV (as `fraudstream generate` writes).", HelpName = "file.csv" };
        var fromKafka = new Option<bool>("--from-kafka")
        {
            Description = "Train on the transactions and labels on Kafka instead of a CSV: the transactions of the window (--since or --from/--to), "
                + "with the labels known before its end.",
        };
        var window = new TrainingWindowOptions();
        var kafka = new KafkaSourceOptions();
        var training = new TrainingCommandOptions();
        var registry = ModelStores.CreateOption();
        var force = new Option<bool>("--force") { Description = "Promote the new model even if production scores better on the same test rows." };

        var command = new Command("train", "Train, evaluate and publish a fraud model; promote it if it beats production.")
        {
            data, fromKafka, registry, force,
        };
        training.AddTo(command);
        foreach (var option in window.All.Concat(kafka.All))
        {
            command.Options.Add(option);
        }

        command.Validators.Add(result =>
        {
            var fromFile = result.GetResult(data) is not null;
            if (result.GetValue(fromKafka))
            {
                if (fromFile)
                {
                    result.AddError("Give --data or --from-kafka, not both.");
                    return;
                }

                window.Validate(result);
            }
            else if (!fromFile)
            {
                result.AddError("Give the training data: --data file.csv, or --from-kafka with --since or --from.");
            }
            else if (window.All.Concat(kafka.All).FirstOrDefault(o => result.GetResult(o) is { Implicit: false }) is { } stray)
            {
                result.AddError($"{stray.Name} goes with --from-kafka.");
            }
        });
        command.SetAction((parseResult, cancellation) =>
        {
            TrainingOptions options;
            try
            {
                options = training.Build(parseResult);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                return Task.FromResult(CommandLineRunner.UsageError);
            }

            var time = TimeProvider.System;
            var registryLocation = ModelStores.Resolve(parseResult.GetValue(registry));
            if (!parseResult.GetValue(fromKafka))
            {
                return RunAsync(FromCsv(parseResult.GetValue(data)!), registryLocation, options, parseResult.GetValue(force), time, cancellation);
            }

            var source = kafka.Resolve(parseResult, time, out var error);
            if (source is null)
            {
                Console.Error.WriteLine(error);
                return Task.FromResult(CommandLineRunner.UsageError);
            }

            var range = window.Resolve(parseResult, time);
            return RunAsync(FromKafka(source, range, time), registryLocation, options, parseResult.GetValue(force), time, cancellation);
        });
        return command;
    }

    /// <summary>Where the data comes from: checked before the registry is opened, read after; null and an exit code after one sentence.</summary>
    private sealed record DataSource(string? Problem, Func<TrainingOptions, CancellationToken, Task<(TrainingSet? Data, int ExitCode)>> ReadAsync);

    private static DataSource FromCsv(FileInfo data) => new(DataFiles.InputProblem(data, "labelled-transactions"), async (_, _) =>
    {
        List<LabelledTransaction> rows;
        string sha256;
        try
        {
            // One streamed read of the file, hashed as it is read: the metadata's SHA-256 is of exactly the bytes trained on,
            // and no file size limit comes from holding the bytes (File.ReadAllBytes stopped at 2 GiB).
            using var hashing = new HashingStream(File.OpenRead(data.FullName));
            using (var reader = new StreamReader(hashing, leaveOpen: true))
            {
                rows = LabelledTransactionCsv.Read(reader, data.Name).ToList();
            }

            sha256 = hashing.Sha256Hex();
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return (null, CommandLineRunner.UsageError);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"Could not read --data '{data.FullName}' ({e.Message}).");
            return (null, CommandLineRunner.UsageError);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Read {rows.Count:N0} transactions from {data.Name} ({rows.Count(r => r.IsFraud):N0} fraud)."));
        return (new TrainingSet(rows, new TrainingSource(data.Name, sha256)), 0);
    });

    private static DataSource FromKafka(KafkaTrainingSource source, TimeRange window, TimeProvider time) =>
        new(null, (options, cancellation) => KafkaTrainingData.TryReadAsync(source, window, options.LabelDelay, time, cancellation));

    private static async Task<int> RunAsync(
        DataSource source, string registryLocation, TrainingOptions options, bool force, TimeProvider time, CancellationToken cancellation)
    {
        if (source.Problem is { } problem)
        {
            await Console.Error.WriteLineAsync(problem);
            return CommandLineRunner.UsageError;
        }

        // The registry is opened and read before the data and the training: a bad --registry is found in a second, not after minutes.
        ModelRegistry registry;
        try
        {
            registry = ModelStores.OpenRegistry(registryLocation, time);
            await registry.GetProductionAsync(cancellation);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return CommandLineRunner.UsageError;
        }
        catch (ModelRegistryException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 1;
        }

        var (data, readExitCode) = await source.ReadAsync(options, cancellation);
        if (data is null)
        {
            return readExitCode;
        }

        var (trained, trainExitCode) = await TrainingRun.TrainAsync(options, data, time, CommandLineRunner.UsageError, cancellation);
        if (trained is null)
        {
            return trainExitCode;
        }

        var m = trained.Metadata;
        return await TrainingRun.PublishAsync(registry, registryLocation, trained, async () =>
        {
            var (promote, reason) = force
                ? (true, "promoted with --force")
                : await CompareWithProductionAsync(registry, trained, options.History, cancellation);
            if (promote)
            {
                await registry.PromoteAsync(m.Version, reason, cancellation);
                Console.WriteLine($"Promoted {m.Version} to production: {reason}.");
            }
            else
            {
                Console.WriteLine($"Not promoted: {reason}. Promote it anyway with --force.");
            }
        }, cancellation);
    }

    /// <summary>The promotion gate: the new model must do at least as well as production on this run's test rows.</summary>
    private static async Task<(bool Promote, string Reason)> CompareWithProductionAsync(
        ModelRegistry registry, TrainedModel trained, HistorySettings history, CancellationToken cancellation)
    {
        var production = await registry.GetProductionAsync(cancellation);
        if (production is null)
        {
            return (true, "the first model: nothing was in production before it");
        }

        var (metadata, bytes) = await registry.LoadAsync(production.Version, cancellation);
        FeaturePipeline pipeline;
        try
        {
            // Production is judged with the features it gets in service: its own pipeline binding.
            pipeline = FeaturePipeline.For(metadata.Pipeline, history);
        }
        catch (IncompatibleModelException e)
        {
            return (true, $"production model {metadata.Version} cannot be fed by this build ({e.Message})");
        }

        using var booster = Booster.LoadModelFromBuffer(bytes);
        var productionPrAuc = ModelTrainer.PrAucOf(booster, metadata.BestIteration + 1, pipeline, trained.TestRows, trained.TestHistory);
        var newPrAuc = trained.Metadata.Metrics.Test.PrAuc;
        var comparison = string.Create(CultureInfo.InvariantCulture,
            $"test PR-AUC {newPrAuc:0.0000} vs production {metadata.Version}'s {productionPrAuc:0.0000} on the same test rows");
        return newPrAuc >= productionPrAuc ? (true, comparison) : (false, comparison);
    }
}
