using System.CommandLine;
using System.Globalization;
using FraudStream.Cli.Hosting;
using FraudStream.Cli.Traffic;
using FraudStream.Core.Features;
using FraudStream.Core.Features.History;
using FraudStream.Core.Transactions;
using FraudStream.Registry;
using FraudStream.Training;
using FraudStream.Training.Data;
using FraudStream.XGBoost;

namespace FraudStream.Cli.Verbs;

/// <summary>
/// `fraudstream train`: trains and evaluates a model on labelled transactions, publishes it as a new
/// registry version, and promotes it to production when it is at least as good as the production model
/// on the same test rows (or with --force).
/// </summary>
internal static class TrainVerb
{
    public static Command Create()
    {
        var data = new Option<FileInfo>("--data") { Description = "Labelled transactions CSV (as `fraudstream generate` writes).", Required = true, HelpName = "file.csv" };
        var registry = ModelStores.CreateOption();
        var parameters = new Option<string[]>("--param")
        {
            Description = "An XGBoost parameter as name=value, e.g. max_depth=8; repeatable.",
            HelpName = "name=value",
            DefaultValueFactory = _ => [],
        };
        var maxRounds = new Option<int>("--max-rounds") { Description = "Most boosting rounds.", DefaultValueFactory = _ => 500 };
        var patience = new Option<int>("--early-stopping") { Description = "Stop after this many rounds without a better validation PR-AUC.", DefaultValueFactory = _ => 30 };
        var targetPrecision = new Option<double?>("--target-precision") { Description = "Choose the lowest threshold with at least this precision on validation (default: best F1)." };
        var threads = new Option<int>("--threads") { Description = "XGBoost threads.", DefaultValueFactory = _ => 2 };
        var force = new Option<bool>("--force") { Description = "Promote the new model even if production scores better on the same test rows." };
        var labelDelay = LabelDelayOption.Create();
        var lateness = new Option<TimeSpan?>("--lateness")
        {
            Description = "How late a transaction may come and still enter its card's history; scorers serving the model must keep Scorer:HistoryLateness the same.",
            DefaultValueFactory = _ => HistorySettings.Default.Lateness,
            CustomParser = result => OptionValues.Duration(result, "--lateness"),
            HelpName = "time",
        };

        var command = new Command("train", "Train, evaluate and publish a fraud model; promote it if it beats production.")
        {
            data, registry, parameters, maxRounds, patience, targetPrecision, threads, force, labelDelay, lateness,
        };
        command.SetAction((parseResult, cancellation) =>
        {
            TrainingOptions options;
            try
            {
                options = new TrainingOptions
                {
                    Parameters = ParseParameters(parseResult.GetValue(parameters) ?? []),
                    MaxRounds = parseResult.GetValue(maxRounds),
                    EarlyStoppingRounds = parseResult.GetValue(patience),
                    TargetPrecision = parseResult.GetValue(targetPrecision),
                    Threads = parseResult.GetValue(threads),
                    LabelDelay = parseResult.GetValue(labelDelay) ?? TrainingOptions.DefaultLabelDelay,
                    History = new HistorySettings { Lateness = parseResult.GetValue(lateness) ?? HistorySettings.Default.Lateness },
                };
                options.Validate();
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                return Task.FromResult(CommandLineRunner.UsageError);
            }

            return RunAsync(parseResult.GetValue(data)!, ModelStores.Resolve(parseResult.GetValue(registry)), options, parseResult.GetValue(force), cancellation);
        });
        return command;
    }

    private static async Task<int> RunAsync(FileInfo data, string registryLocation, TrainingOptions options, bool force, CancellationToken cancellation)
    {
        if (DataFiles.InputProblem(data, "labelled-transactions") is { } problem)
        {
            await Console.Error.WriteLineAsync(problem);
            return CommandLineRunner.UsageError;
        }

        // The registry is opened and read before the data and the training: a bad --registry is found in a second, not after minutes.
        ModelRegistry registry;
        try
        {
            registry = ModelStores.OpenRegistry(registryLocation, TimeProvider.System);
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
            return CommandLineRunner.UsageError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"Could not read --data '{data.FullName}' ({e.Message}).");
            return CommandLineRunner.UsageError;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Read {rows.Count:N0} transactions from {data.Name} ({rows.Count(r => r.IsFraud):N0} fraud)."));
        TrainedModel trained;
        try
        {
            trained = new ModelTrainer(options, TimeProvider.System).Train(rows, data.Name, sha256, new ConsoleProgress(), cancellation);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return CommandLineRunner.UsageError;
        }
        catch (XGBoostException e)
        {
            await Console.Error.WriteLineAsync($"XGBoost refused the training: {e.Message}");
            return 1;
        }

        var m = trained.Metadata;
        Console.WriteLine();
        Console.Write(trained.Report);
        Console.WriteLine();

        try
        {
            await registry.PublishAsync(m, trained.Model, trained.Report, cancellation);
            Console.WriteLine($"Published model {m.Version} to {registryLocation}.");

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
        }
        catch (ModelVersionExistsException)
        {
            // Versions are named by the second: two trainings finishing within one second clash, and the second is refused.
            await Console.Error.WriteLineAsync(
                $"Model version {m.Version} already exists in {registryLocation} (versions are the UTC second training finished); train again in a second.");
            return 1;
        }
        catch (CorruptModelException e) when (e.Version != m.Version)
        {
            // The gate could not load production; the new model is already published.
            await Console.Error.WriteLineAsync(
                $"{e.Message} Model {m.Version} is published but not promoted: promote it with `fraudstream models promote {m.Version}`.");
            return 1;
        }
        catch (ModelRegistryException e)
        {
            // Store outages: the message says what to do.
            await Console.Error.WriteLineAsync(e.Message);
            return 1;
        }

        return 0;
    }

    /// <summary>The promotion gate: the new model must do at least as well as production on this run's test rows.</summary>
    private static async Task<(bool Promote, string Reason)> CompareWithProductionAsync(
        ModelRegistry registry, TrainedModel trained, HistorySettings history, CancellationToken cancellation)
    {
        var production = await registry.GetProductionAsync(cancellation);
        if (production is null)
        {
            return (true, "no model is in production yet");
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

    private static Dictionary<string, string> ParseParameters(string[] pairs)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var separator = pair.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0 || separator == pair.Length - 1)
            {
                throw new ArgumentException($"--param '{pair}' is not name=value, e.g. max_depth=8.");
            }

            parameters[pair[..separator]] = pair[(separator + 1)..];
        }

        return parameters;
    }

    /// <summary>Prints every tenth round and each new best, so a long training shows it is alive.</summary>
    private sealed class ConsoleProgress : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Round % 10 == 0 || value.BestRound == value.Round)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {value.Round,4}: validation PR-AUC {value.ValidationPrAuc:0.0000} (best {value.BestPrAuc:0.0000} at round {value.BestRound})"));
            }
        }
    }
}
