using System.Diagnostics;
using FraudStream.Bench.HotPath;
using FraudStream.Simulation;
using FraudStream.Registry;
using FraudStream.Registry.Stores;
using FraudStream.Training;

namespace FraudStream.Bench.Scorer;

/// <summary>
/// The model every scorer run loads: trained once like the hot-path benchmark's (50,000 generated transactions,
/// seed 42, at most 150 rounds), published and promoted into a temporary local registry.
/// </summary>
internal static class BenchModel
{
    private const int TrainingRows = 50_000;

    /// <summary>
    /// Trains, publishes and promotes; with <paramref name="challenger"/> also publishes the same model under the next
    /// version and makes it the challenger (the same trees: its cost is what a challenger of production's size costs).
    /// Returns a one-line description of the model.
    /// </summary>
    public static async Task<string> PublishAsync(string registryDirectory, bool challenger = false)
    {
        var clock = Stopwatch.StartNew();
        var rows = new TransactionGenerator(new GeneratorOptions { Seed = 42 }).Generate(TrainingRows).ToList();
        var trainer = new ModelTrainer(new TrainingOptions { MaxRounds = 150, Threads = 2 }, TimeProvider.System);
        var trained = trainer.Train(rows, "generated (seed 42)", HotPathWorkload.Sha256OfCsv(rows));
        var registry = new ModelRegistry(new LocalDirectoryModelStore(registryDirectory));
        await registry.PublishAsync(trained.Metadata, trained.Model, trained.Report);
        await registry.PromoteAsync(trained.Metadata.Version, "scorer benchmark");
        if (challenger)
        {
            var createdAt = trained.Metadata.CreatedAt + TimeSpan.FromSeconds(1);
            var copy = trained.Metadata with { Version = ModelVersion.FromTimestamp(createdAt), CreatedAt = createdAt };
            await registry.PublishAsync(copy, trained.Model, trained.Report);
            await registry.ChallengeAsync(copy.Version, "scorer benchmark: challenger cost");
        }

        var metadata = trained.Metadata;
        return $"model {metadata.Version}: {TrainingRows:N0} generated transactions, {metadata.BestIteration + 1} rounds, "
               + $"{metadata.Pipeline.FeatureNames.Count} features, threshold {metadata.Threshold:0.000}, "
               + $"test PR-AUC {metadata.Metrics.Test.PrAuc:0.000}, trained and published in {clock.Elapsed.TotalSeconds:0.0} s";
    }
}
