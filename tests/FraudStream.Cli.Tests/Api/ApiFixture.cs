using System.Globalization;
using System.Text.Json.Nodes;
using FraudStream.Simulation;
using FraudStream.Core.Transactions;
using FraudStream.Registry;
using FraudStream.Registry.Stores;
using FraudStream.Training;

namespace FraudStream.Cli.Tests.Api;

/// <summary>
/// The expensive part of the API tests, done once: two models trained on generated data and published to a registry
/// (the newer in production, the older remembered for a rollback), and one running `fraudstream api` over a copy of it.
/// </summary>
[SetUpFixture]
public sealed class ApiFixture
{
    public const string UserKey = "user-key-0123456789abcdef";
    public const string AdminKey = "admin-key-0123456789abcdef";
    public const int MaxBatchSize = 50;
    public const int MaxBodyBytes = 64 * 1024;

    public static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    private static DirectoryInfo? s_scratch;
    private static RunningApi? s_api;

    /// <summary>The version in production in a fresh copy of the registry.</summary>
    public static string NewerVersion { get; private set; } = "";

    /// <summary>The version a rollback returns to.</summary>
    public static string OlderVersion { get; private set; } = "";

    /// <summary>The shared API (keys, MaxBatchSize 50, MaxBodyBytes 64 KiB, no practical rate limit); tests must not roll it back.</summary>
    public static RunningApi Api => s_api ?? throw new InvalidOperationException("The API fixture has not run.");

    /// <summary>The shared API's registry directory.</summary>
    public static string SharedRegistry { get; private set; } = "";

    private static DirectoryInfo Scratch => s_scratch ?? throw new InvalidOperationException("The API fixture has not run.");

    [OneTimeSetUp]
    public async Task TrainAndStartOnce()
    {
        s_scratch = Directory.CreateTempSubdirectory("fraudstream-api-tests-");
        var source = Path.Combine(Scratch.FullName, "registry");
        var registry = new ModelRegistry(new LocalDirectoryModelStore(source));
        OlderVersion = await TrainAsync(registry, seed: 5, depth: "4", new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
        NewerVersion = await TrainAsync(registry, seed: 6, depth: "2", new DateTimeOffset(2026, 11, 2, 12, 0, 0, TimeSpan.Zero));
        await registry.PromoteAsync(OlderVersion, "api tests");
        await registry.PromoteAsync(NewerVersion, "api tests");

        SharedRegistry = CopyRegistry();
        s_api = await RunningApi.StartAsync(SharedRegistry, new Dictionary<string, string?>
        {
            ["FRAUDSTREAM_Api__MaxBatchSize"] = MaxBatchSize.ToString(CultureInfo.InvariantCulture),
            ["FRAUDSTREAM_Api__MaxBodyBytes"] = MaxBodyBytes.ToString(CultureInfo.InvariantCulture),
            ["FRAUDSTREAM_Api__RequestsPerSecond"] = "1000000",
        });
    }

    [OneTimeTearDown]
    public void StopAndDelete()
    {
        s_api?.Dispose();
        s_scratch?.Delete(recursive: true);
    }

    /// <summary>A private copy of the registry, for tests that roll back.</summary>
    public static string CopyRegistry()
    {
        var source = Path.Combine(Scratch.FullName, "registry");
        var copy = Path.Combine(Scratch.FullName, "registry-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return copy;
    }

    /// <summary>Generated transactions (not the training data: another seed).</summary>
    public static IReadOnlyList<Transaction> Transactions(int count, int seed = 11) =>
        [.. new TransactionGenerator(new GeneratorOptions { Seed = seed, Cards = 500, FraudRatio = 0.2 }).Generate(count).Select(t => t.Transaction)];

    /// <summary>A transaction as /predict's JSON, written by the product's own writer.</summary>
    public static JsonObject ToJson(Transaction t) => FraudStream.Api.TransactionJson.Write(t);

    private static async Task<string> TrainAsync(ModelRegistry registry, int seed, string depth, DateTimeOffset at)
    {
        var rows = new TransactionGenerator(new GeneratorOptions { Seed = seed, Cards = 2_000 }).Generate(20_000).ToList();
        var options = new TrainingOptions { MaxRounds = 30, Parameters = new Dictionary<string, string> { ["max_depth"] = depth } };
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
