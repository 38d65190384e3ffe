using System.Text.RegularExpressions;
using FraudStream.Registry;
using FraudStream.Registry.Stores;
using FraudStream.Training;

namespace FraudStream.Cli.Tests.Models;

/// <summary>
/// The expensive part of the `train` and `models` tests, done once: 40,000 generated transactions and a first training
/// on them into an empty registry. Tests read that training's outcome and put its model into registries of their own.
/// </summary>
[SetUpFixture]
public sealed partial class TrainedModelFixture
{
    /// <summary>
    /// The version the first model is republished under in a test's registry. Versions are named by the second, so a test
    /// that trains again right after the first training could get the same version; this one is older than any it can get.
    /// </summary>
    public const string EarlierVersion = "20200101_000000";

    /// <summary>How long one `fraudstream` run in these tests may take: trainings take seconds, this is for slow machines.</summary>
    public static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(120);

    private static DirectoryInfo? s_directory;
    private static FraudstreamRun? s_firstTraining;
    private static string? s_firstVersion;

    /// <summary>40,000 transactions written by `generate --seed 5`.</summary>
    public static string DataFile => Path.Combine(Scratch.FullName, "transactions.csv");

    /// <summary>The registry the first training published to: nothing else writes to it.</summary>
    public static string FirstRegistry => Path.Combine(Scratch.FullName, "first-registry");

    /// <summary>`train --data DataFile --registry FirstRegistry --max-rounds 60` into the empty registry.</summary>
    public static FraudstreamRun FirstTraining => s_firstTraining ?? throw NotSetUp();

    /// <summary>The version the first training published.</summary>
    public static string FirstVersion => s_firstVersion ?? throw NotSetUp();

    private static DirectoryInfo Scratch => s_directory ?? throw NotSetUp();

    [OneTimeSetUp]
    public async Task GenerateAndTrainOnce()
    {
        s_directory = Directory.CreateTempSubdirectory("fraudstream-train-tests-");
        var generate = await FraudstreamProcess.RunAsync(RunLimit, "generate", "--rows", "40000", "--seed", "5", "--out", DataFile);
        Assert.That(generate.ExitCode, Is.Zero, generate.Transcript);

        s_firstTraining = await FraudstreamProcess.RunAsync(
            RunLimit, "train", "--data", DataFile, "--registry", FirstRegistry, "--max-rounds", "60");
        s_firstVersion = PublishedVersion(s_firstTraining);
    }

    [OneTimeTearDown]
    public void DeleteScratchDirectory() => s_directory?.Delete(recursive: true);

    /// <summary>The version a `train` run says it published; fails the test when it says none.</summary>
    public static string PublishedVersion(FraudstreamRun train)
    {
        var match = train.StandardOutput.Select(line => Published().Match(line)).FirstOrDefault(m => m.Success);
        Assert.That(match, Is.Not.Null, $"train did not say 'Published model <version>'.\n{train.Transcript}");
        return match!.Groups["version"].Value;
    }

    /// <summary>
    /// Makes <paramref name="registryDirectory"/> a registry whose production model is the first training's model,
    /// published as <see cref="EarlierVersion"/>, as if yesterday's training had put it there.
    /// </summary>
    public static async Task PutFirstModelInProductionAsync(string registryDirectory)
    {
        var (metadata, model) = await new ModelRegistry(new LocalDirectoryModelStore(FirstRegistry)).LoadAsync(FirstVersion);
        var earlier = metadata with { Version = EarlierVersion };
        var registry = new ModelRegistry(new LocalDirectoryModelStore(registryDirectory));
        await registry.PublishAsync(earlier, model, TrainingReport.Write(earlier));
        await registry.PromoteAsync(EarlierVersion, "put there by the test fixture");
    }

    private static InvalidOperationException NotSetUp() =>
        new("The trained-model fixture has not run: these tests belong to the FraudStream.Cli.Tests.Models namespace.");

    [GeneratedRegex(@"^Published model (?<version>\d{8}_\d{6}) to ")]
    private static partial Regex Published();
}
