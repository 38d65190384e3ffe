using FraudStream.Simulation;
using FraudStream.Registry;
using FraudStream.Registry.Stores;
using FraudStream.Serving;
using FraudStream.Training;

namespace FraudStream.IntegrationTests.Scoring;

/// <summary>
/// A local model registry with two real models trained on generated data (different seeds and depths, so they alert
/// on different transactions): <see cref="FirstAsync"/> is in production, <see cref="SecondAsync"/> is published only.
/// </summary>
public static class TestModels
{
    private static readonly Lazy<Task<(string Directory, string First, string Second)>> s_registry = new(CreateAsync);
    private static readonly System.Collections.Concurrent.ConcurrentBag<string> s_directories = [];

    /// <summary>The registry directory (shared by every scorer test; tests that promote use their own copy).</summary>
    public static async Task<string> DirectoryAsync() => (await s_registry.Value).Directory;

    /// <summary>The production version.</summary>
    public static async Task<string> FirstAsync() => (await s_registry.Value).First;

    /// <summary>A second published version.</summary>
    public static async Task<string> SecondAsync() => (await s_registry.Value).Second;

    /// <summary>A private copy of the registry, for tests that promote or corrupt versions.</summary>
    public static async Task<string> CopyAsync()
    {
        var source = await DirectoryAsync();
        var copy = NewDirectory();
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return copy;
    }

    /// <summary>Deletes every registry directory this run created.</summary>
    public static void DeleteAll()
    {
        foreach (var directory in s_directories.Where(Directory.Exists))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string NewDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "fstest-registry-" + Guid.NewGuid().ToString("N")[..8]);
        s_directories.Add(directory);
        return directory;
    }

    /// <summary>Loads a version for scoring, as the scorer does.</summary>
    public static async Task<ScoringModel> LoadAsync(string registryDirectory, string version)
    {
        var registry = new ModelRegistry(new LocalDirectoryModelStore(registryDirectory));
        var (metadata, bytes) = await registry.LoadAsync(version);
        return ScoringModel.Create(metadata, bytes, predictionThreads: 1, thresholdOverride: null);
    }

    private static async Task<(string, string, string)> CreateAsync()
    {
        var directory = NewDirectory();
        var registry = new ModelRegistry(new LocalDirectoryModelStore(directory));
        var first = await TrainAsync(registry, seed: 5, depth: "4", at: new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
        var second = await TrainAsync(registry, seed: 6, depth: "2", at: new DateTimeOffset(2026, 11, 2, 12, 0, 0, TimeSpan.Zero));
        await registry.PromoteAsync(first, "scorer tests");
        return (directory, first, second);
    }

    private static async Task<string> TrainAsync(ModelRegistry registry, int seed, string depth, DateTimeOffset at)
    {
        var rows = new TransactionGenerator(new GeneratorOptions { Seed = seed, Cards = 2_000 }).Generate(30_000).ToList();
        var options = new TrainingOptions
        {
            MaxRounds = 60,
            Parameters = new Dictionary<string, string> { ["max_depth"] = depth },
        };
        var trained = new ModelTrainer(options, new FixedTime(at)).Train(rows, $"generated seed {seed}", new string('0', 64));
        await registry.PublishAsync(trained.Metadata, trained.Model, trained.Report);
        return trained.Metadata.Version;
    }

    /// <summary>A clock stopped at one instant, so each model gets a distinct version.</summary>
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
