using System.Globalization;
using FraudStream.Registry;
using FraudStream.Training;
using FraudStream.Training.Data;
using FraudStream.XGBoost;

namespace FraudStream.Cli.Verbs;

/// <summary>What <c>train</c> and <c>retrain</c> do alike once they have their data: train with progress on the console, then publish.</summary>
internal static class TrainingRun
{
    /// <summary>
    /// Trains on <paramref name="data"/> and prints the report; null after one sentence on stderr when the data or XGBoost refused,
    /// with <paramref name="refusedExitCode"/> when the data cannot be trained on (too little of it, a split without fraud).
    /// </summary>
    public static async Task<(TrainedModel? Trained, int ExitCode)> TrainAsync(
        TrainingOptions options, TrainingSet data, TimeProvider time, int refusedExitCode, CancellationToken cancellation)
    {
        TrainedModel trained;
        try
        {
            trained = new ModelTrainer(options, time).Train(data, new ConsoleProgress(), cancellation);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return (null, refusedExitCode);
        }
        catch (XGBoostException e)
        {
            await Console.Error.WriteLineAsync($"XGBoost refused the training: {e.Message}");
            return (null, 1);
        }

        Console.WriteLine();
        Console.Write(trained.Report);
        Console.WriteLine();
        return (trained, 0);
    }

    /// <summary>
    /// Publishes <paramref name="trained"/> to <paramref name="registry"/>, then runs <paramref name="afterPublish"/> (promote,
    /// challenge); 0, or 1 after one sentence on stderr when the registry refused.
    /// </summary>
    public static async Task<int> PublishAsync(
        ModelRegistry registry, string registryLocation, TrainedModel trained, Func<Task> afterPublish, CancellationToken cancellation)
    {
        var m = trained.Metadata;
        try
        {
            await registry.PublishAsync(m, trained.Model, trained.Report, cancellation);
            Console.WriteLine($"Published model {m.Version} to {registryLocation}.");
            await afterPublish();
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
