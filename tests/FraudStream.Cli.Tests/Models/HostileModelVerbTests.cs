using static FraudStream.Cli.Tests.Models.TrainedModelFixture;

namespace FraudStream.Cli.Tests.Models;

/// <summary>`fraudstream models` over every hostile version: promotion and show refuse it in one sentence; list still lists.</summary>
[TestFixture]
public sealed class HostileModelVerbTests
{
    private DirectoryInfo _scratch = null!;

    private string Registry => Path.Combine(_scratch.FullName, "registry");

    [SetUp]
    public async Task CreateRegistryWithAProductionModel()
    {
        _scratch = Directory.CreateTempSubdirectory("fraudstream-hostile-tests-");
        await PutFirstModelInProductionAsync(Registry);
    }

    [TearDown]
    public void DeleteScratchDirectory() => _scratch.Delete(recursive: true);

    [TestCaseSource(typeof(HostileModel), nameof(HostileModel.All))]
    public async Task Promote_and_show_refuse_a_hostile_version_in_one_sentence(HostileModel hostile)
    {
        // Arrange
        await hostile.PublishAsync(Registry, EarlierVersion);

        // Act
        var promote = await FraudstreamProcess.RunAsync(RunLimit, "models", "--registry", Registry, "promote", hostile.Version);
        var show = await FraudstreamProcess.RunAsync(RunLimit, "models", "--registry", Registry, "show", hostile.Version);
        var production = await File.ReadAllTextAsync(Path.Combine(Registry, "models", "production.json"));

        // Assert
        promote.AssertRefused(1, hostile.Version);
        show.AssertRefused(1, hostile.Version);
        Assert.That(production, Does.Contain(EarlierVersion).And.Not.Contain(hostile.Version), "production is unchanged");
    }

    [Test]
    public async Task List_lists_every_version_and_marks_the_ones_with_unreadable_metadata()
    {
        // Arrange
        foreach (var hostile in HostileModel.All)
        {
            await hostile.PublishAsync(Registry, EarlierVersion);
        }

        // Act
        var list = await FraudstreamProcess.RunAsync(RunLimit, "models", "--registry", Registry, "list");

        // Assert
        var rows = list.StandardOutput.Where(line => line.StartsWith("20", StringComparison.Ordinal)).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(list.ExitCode, Is.Zero, list.Transcript);
            Assert.That(rows, Has.Count.EqualTo(HostileModel.All.Count + 1), list.Transcript);
            Assert.That(list.ErrorLines, Is.Empty, list.Transcript);
        }
    }
}
