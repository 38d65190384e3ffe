using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using static FraudStream.Cli.Tests.Models.TrainedModelFixture;

namespace FraudStream.Cli.Tests.Models;

/// <summary>`fraudstream models` run as an operator runs it: the real executable over a real local-directory registry.</summary>
[TestFixture]
public sealed class ModelsVerbTests
{
    private DirectoryInfo _scratch = null!;

    private string Registry => Path.Combine(_scratch.FullName, "registry");

    private string ProductionFile => Path.Combine(Registry, "models", "production.json");

    [SetUp]
    public void CreateScratchDirectory() =>
        _scratch = Directory.CreateTempSubdirectory("fraudstream-models-tests-");

    [TearDown]
    public void DeleteScratchDirectory() =>
        _scratch.Delete(recursive: true);

    [Test]
    public async Task Promote_puts_a_version_the_gate_refused_in_production_rollback_returns_and_list_marks_production()
    {
        await PutFirstModelInProductionAsync(Registry);
        var training = await FraudstreamProcess.RunAsync(
            RunLimit, "train", "--data", DataFile, "--registry", Registry, "--max-rounds", "1");
        var worse = PublishedVersion(training);
        Assert.That(training.Output, Does.Contain("Not promoted"), training.Transcript);

        var promote = await ModelsAsync("promote", worse, "--reason", "canary");
        var afterPromote = await ProductionVersionAsync();
        var list = await ModelsAsync("list");
        var rollback = await ModelsAsync("rollback");
        var afterRollback = await ProductionVersionAsync();

        var rows = list.StandardOutput.Where(line => line.StartsWith("20", StringComparison.Ordinal)).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(promote.ExitCode, Is.Zero, promote.Transcript);
            Assert.That(promote.Output, Does.Contain($"{EarlierVersion} → {worse}"), "promote prints old → new");
            Assert.That(afterPromote, Is.EqualTo(worse));
            Assert.That(list.ExitCode, Is.Zero, list.Transcript);
            Assert.That(rows, Has.Count.EqualTo(2), list.Transcript);
            Assert.That(rows.FirstOrDefault(), Does.StartWith(worse).And.EndWith("production"), "newest first, production marked:\n" + list.Transcript);
            Assert.That(rows.LastOrDefault(), Does.StartWith(EarlierVersion).And.Not.EndWith("production"), list.Transcript);
            Assert.That(list.StandardOutput, Has.One.Match($@"^Production: {worse}, since .+; promoted because: canary\. `models rollback` returns to {EarlierVersion}\.$"), "the stored reason, said as one");
            Assert.That(rollback.ExitCode, Is.Zero, rollback.Transcript);
            Assert.That(rollback.Output, Does.Contain($"{worse} → {EarlierVersion}"), "rollback prints old → new");
            Assert.That(afterRollback, Is.EqualTo(EarlierVersion));
        }
    }

    [Test]
    public async Task Show_production_prints_the_key_facts_and_the_report_of_the_production_version()
    {
        await PutFirstModelInProductionAsync(Registry);

        var show = await ModelsAsync("show", "production");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(show.ExitCode, Is.Zero, show.Transcript);
            Assert.That(show.StandardOutput.FirstOrDefault(), Does.StartWith($"Model {EarlierVersion}: in production since"));
            Assert.That(show.Output, Does.Contain("(verified)"), "show checks the model against its SHA-256");
            Assert.That(show.Output, Does.Contain($"# Fraud model {EarlierVersion}"), "the report follows the facts");
        }
    }

    [Test]
    public async Task Show_with_json_prints_the_metadata()
    {
        await PutFirstModelInProductionAsync(Registry);

        var show = await ModelsAsync("show", EarlierVersion, "--json");

        Assert.That(show.ExitCode, Is.Zero, show.Transcript);
        using var metadata = JsonDocument.Parse(show.Output);
        Assert.That(metadata.RootElement.GetProperty("version").GetString(), Is.EqualTo(EarlierVersion));
    }

    [Test]
    public async Task List_reads_the_registry_FRAUDSTREAM_REGISTRY_names_when_no_registry_option_is_given()
    {
        await PutFirstModelInProductionAsync(Registry);
        var environment = new Dictionary<string, string?> { ["FRAUDSTREAM_REGISTRY"] = Registry };

        var list = await FraudstreamProcess.RunAsync(environment, RunLimit, "models", "list");

        Assert.That(list.ExitCode, Is.Zero, list.Transcript);
        Assert.That(list.StandardOutput, Has.Some.StartsWith(EarlierVersion), list.Transcript);
    }

    [TestCase("show", "nonexistent_version")]
    [TestCase("promote", "latest")]
    public async Task A_malformed_version_exits_2_with_one_sentence(string action, string version)
    {
        var run = await ModelsAsync(action, version);

        run.AssertRefused(2, $"'{version}' is not a model version");
    }

    [Test]
    public async Task Show_of_a_version_that_is_not_published_exits_1_with_one_sentence()
    {
        await PutFirstModelInProductionAsync(Registry);

        var run = await ModelsAsync("show", "20200101_000001");

        run.AssertRefused(1, "Model version 20200101_000001 is not in the");
    }

    [Test]
    public async Task Promote_of_a_version_that_is_not_published_exits_1_and_changes_nothing()
    {
        await PutFirstModelInProductionAsync(Registry);

        var run = await ModelsAsync("promote", "20200101_000001");

        run.AssertRefused(1, "Cannot promote model 20200101_000001");
        Assert.That(await ProductionVersionAsync(), Is.EqualTo(EarlierVersion));
    }

    [Test]
    public async Task Show_of_a_version_whose_model_fails_its_checksum_exits_1_with_one_sentence()
    {
        await PutFirstModelInProductionAsync(Registry);
        await File.AppendAllTextAsync(Path.Combine(Registry, "models", EarlierVersion, "model.ubj"), "tampered");

        var run = await ModelsAsync("show", EarlierVersion);

        run.AssertRefused(1, $"Model {EarlierVersion} failed its checksum");
    }

    [Test]
    public async Task Show_production_with_nothing_in_production_exits_1_with_one_sentence()
    {
        var run = await ModelsAsync("show", "production");

        run.AssertRefused(1, "No version is in production");
    }

    [Test]
    public async Task Rollback_with_nothing_in_production_exits_1_with_one_sentence()
    {
        var run = await ModelsAsync("rollback");

        run.AssertRefused(1, "no production model", "to roll back from");
    }

    [Test]
    public async Task Rollback_with_no_previous_production_version_exits_1_and_changes_nothing()
    {
        await PutFirstModelInProductionAsync(Registry);

        var run = await ModelsAsync("rollback");

        run.AssertRefused(1, $"Production model {EarlierVersion} has no previous version to roll back to");
        Assert.That(await ProductionVersionAsync(), Is.EqualTo(EarlierVersion));
    }

    [Test]
    public async Task List_when_the_store_is_unreachable_exits_1_with_one_sentence()
    {
        var environment = new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL_S3"] = $"http://127.0.0.1:{ClosedPort()}",
            ["AWS_REGION"] = "us-east-1",
            ["AWS_ACCESS_KEY_ID"] = "fraudstream-tests",
            ["AWS_SECRET_ACCESS_KEY"] = "fraudstream-tests",
        };

        var run = await FraudstreamProcess.RunAsync(environment, RunLimit, "models", "list", "--registry", "s3://models/fraudstream");

        run.AssertRefused(1, "check that S3 is up and reachable");
    }

    private Task<FraudstreamRun> ModelsAsync(params string[] arguments) =>
        FraudstreamProcess.RunAsync(RunLimit, ["models", .. arguments, "--registry", Registry]);

    private async Task<string?> ProductionVersionAsync()
    {
        using var production = JsonDocument.Parse(await File.ReadAllTextAsync(ProductionFile));
        return production.RootElement.GetProperty("version").GetString();
    }

    /// <summary>A loopback port nothing listens on: one the system just handed out and that was closed again.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
