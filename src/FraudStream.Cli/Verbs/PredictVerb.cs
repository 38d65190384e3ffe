using System.CommandLine;
using System.Globalization;
using System.Text;
using FraudStream.Cli.Hosting;
using FraudStream.Cli.Predict;
using FraudStream.Core.Features;
using FraudStream.Core.Features.History;
using FraudStream.Registry;
using FraudStream.Serving;
using FraudStream.Training;

namespace FraudStream.Cli.Verbs;

/// <summary>
/// `fraudstream predict`: scores a transactions CSV with a registry version (production by default) for analysts, a row
/// of scores (and features on request) per transaction in the file's order, with the history features the stream and
/// the trainer give each transaction.
/// </summary>
internal static class PredictVerb
{
    /// <summary>The --out value that writes the scores to standard output.</summary>
    private const string StandardOutput = "-";

    public static Command Create()
    {
        var data = new Option<FileInfo>("--data")
        {
            Description = "Transactions CSV to score: the columns `fraudstream generate` writes, where is_fraud, scenario and label_time may be left out.",
            Required = true,
            HelpName = "file.csv",
        };
        var output = new Option<string>("--out")
        {
            Description = $"CSV to write: transaction_id, score, alert, model_version (and features), a row per transaction in the file's order; '{StandardOutput}' for standard output.",
            Required = true,
            HelpName = "scores.csv",
        };
        var version = new Option<string?>("--version") { Description = "The model version to score with (default: the production version).", HelpName = "YYYYMMDD_HHMMSS" };
        var features = new Option<bool>("--features") { Description = "Add a column per model feature, in the model's order (empty: missing)." };
        var registry = ModelStores.CreateOption();
        var labelDelay = LabelDelayOption.Create();
        var threads = new Option<int>("--threads") { Description = "XGBoost prediction threads.", DefaultValueFactory = _ => 2 };
        threads.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > TrainingOptions.MaxThreads)
            {
                result.AddError($"--threads must be from 1 to {TrainingOptions.MaxThreads}.");
            }
        });

        var command = new Command("predict", "Score a transactions CSV with a model version (production by default): per-row scores, alerts and, on request, features.")
        {
            data, output, version, features, registry, labelDelay, threads,
        };
        command.SetAction((parseResult, _) => RunAsync(new Request(
            parseResult.GetValue(data)!,
            parseResult.GetValue(output)!,
            parseResult.GetValue(version),
            parseResult.GetValue(features),
            ModelStores.Resolve(parseResult.GetValue(registry)),
            parseResult.GetValue(labelDelay) ?? TrainingOptions.DefaultLabelDelay,
            parseResult.GetValue(threads))));
        return command;
    }

    private static async Task<int> RunAsync(Request request)
    {
        var toStandardOutput = request.Output == StandardOutput;
        var output = toStandardOutput ? null : new FileInfo(request.Output);
        var problem = DataFiles.InputProblem(request.Data, "transactions")
            ?? (output is null ? null : DataFiles.OutputProblem(output, "scores.csv"))
            ?? (request.Version is { } v && !ModelVersion.IsValid(v)
                ? $"--version '{v}' is not a model version: versions are the UTC publish time as YYYYMMDD_HHMMSS, e.g. 20260314_093000 (`fraudstream models list` lists them)."
                : null);
        if (problem is not null)
        {
            await Console.Error.WriteLineAsync(problem);
            return CommandLineRunner.UsageError;
        }

        using var termination = new TerminationSignal();
        var (model, exitCode) = await LoadModelAsync(request, termination.Token);
        if (model is null)
        {
            return exitCode;
        }

        using (model)
        {
            return await ScoreAsync(request, model, output, termination.Token);
        }
    }

    /// <summary>The model to score with, or null and the exit code after one sentence on stderr.</summary>
    private static async Task<(ScoringModel? Model, int ExitCode)> LoadModelAsync(Request request, CancellationToken stop)
    {
        var version = request.Version;
        try
        {
            var registry = ModelStores.OpenRegistry(request.RegistryLocation, TimeProvider.System);
            version ??= (await registry.GetProductionAsync(stop))?.Version;
            if (version is null)
            {
                await Console.Error.WriteLineAsync(
                    $"No version is in production in the {registry.Store.Description} yet; name one with --version or promote one with `fraudstream models promote <version>`.");
                return (null, 1);
            }

            var (metadata, bytes) = await registry.LoadAsync(version, stop);

            // History is replayed as the model's own was kept; a tx-v2 model that does not say how is refused by the pipeline.
            var history = metadata.Pipeline.History is { } kept ? FeaturePipeline.SettingsOf(kept) : HistorySettings.Default;
            // Native: --threads is XGBoost's, and splits a large file's batches over cores (same scores as the managed evaluator).
            var options = new ModelFollowerOptions { PredictionThreads = request.Threads, History = history, Evaluator = ScoringModel.NativeEvaluator };
            return (ServableModelCheck.Load(metadata, bytes, options), 0);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return (null, CommandLineRunner.UsageError);
        }
        catch (IncompatibleModelException e)
        {
            await Console.Error.WriteLineAsync($"Model {version} cannot be scored: {e.Message}");
            return (null, 1);
        }
        catch (ModelRegistryException e)
        {
            // Unknown or corrupt versions, store outages: the message says what to do.
            await Console.Error.WriteLineAsync(e.Message);
            return (null, 1);
        }
        catch (OperationCanceledException)
        {
            return (null, 1);
        }
    }

    private static async Task<int> ScoreAsync(Request request, ScoringModel model, FileInfo? output, CancellationToken stop)
    {
        var predictor = new CsvPredictor(model, request.LabelDelay);
        CheckedFile file;
        try
        {
            file = CsvPredictor.Check(request.Data, stop);
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync(e.Message + " Nothing was scored.");
            return CommandLineRunner.UsageError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"Could not read --data '{request.Data.FullName}' ({e.Message}).");
            return CommandLineRunner.UsageError;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("Stopped before scoring; nothing was written.");
            return 1;
        }

        if (predictor.Refusal(request.Data, file) is { } refusal)
        {
            await Console.Error.WriteLineAsync(refusal);
            return CommandLineRunner.UsageError;
        }

        // A file is written under a temporary name and renamed when complete: a failed or stopped run leaves no partial scores.
        var started = TimeProvider.System.GetTimestamp();
        var temporary = output is null ? null : Path.Combine(output.DirectoryName!, $".{output.Name}.{Path.GetRandomFileName()}.partial");
        PredictionSummary summary;
        try
        {
            using (var writer = temporary is null
                       ? new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16)
                       : new StreamWriter(temporary, false, new UTF8Encoding(false), 1 << 16))
            {
                summary = predictor.Predict(request.Data, file, new ScoresCsvWriter(writer, model, request.Features), stop);
            }

            if (temporary is not null)
            {
                File.Move(temporary, output!.FullName, overwrite: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or OperationCanceledException)
        {
            var stopped = e is OperationCanceledException;
            var reason = e is InvalidDataException ? e.Message
                : stopped ? "Stopped before every row was scored."
                : $"Could not read --data or write --out ({e.Message}); check both paths and that the disk has room.";
            await Console.Error.WriteLineAsync(reason + (output is null ? "" : $" {output.FullName} was not written."));
            return 1;
        }
        finally
        {
            if (temporary is not null)
            {
                File.Delete(temporary);
            }
        }

        var elapsed = TimeProvider.System.GetElapsedTime(started);
        var history = summary.History switch
        {
            HistorySource.ReplayedAsRead => "history replayed in event-time order as the file was read",
            HistorySource.ReplayedSorted => "history replayed in event-time order after holding the file in memory (its rows are not in event-time order)",
            _ => $"no history features (pipeline {model.Pipeline.Signature.Version})",
        };
        var summaryWriter = output is null ? Console.Error : Console.Out;
        await summaryWriter.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Scored {summary.Rows:N0} transactions from {request.Data.Name} with model {model.Version}{(request.Version is null ? " (production)" : "")}: "
            + $"{summary.Alerts:N0} alerts at threshold {model.Threshold:0.####}; {history}."));
        await summaryWriter.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Wrote {(output is null ? "standard output" : output.FullName)} in {elapsed.TotalSeconds:0.0} s."));
        return 0;
    }

    private sealed record Request(
        FileInfo Data, string Output, string? Version, bool Features, string RegistryLocation, TimeSpan LabelDelay, int Threads);
}
