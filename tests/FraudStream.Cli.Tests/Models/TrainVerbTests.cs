using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using FraudStream.Registry;
using static FraudStream.Cli.Tests.Models.TrainedModelFixture;

namespace FraudStream.Cli.Tests.Models;

/// <summary>`fraudstream train` run as a user runs it: the real executable over a real local-directory registry.</summary>
[TestFixture]
public sealed partial class TrainVerbTests
{
    private DirectoryInfo _scratch = null!;

    private string Registry => Path.Combine(_scratch.FullName, "registry");

    [SetUp]
    public void CreateScratchDirectory() =>
        _scratch = Directory.CreateTempSubdirectory("fraudstream-train-tests-");

    [TearDown]
    public void DeleteScratchDirectory() =>
        _scratch.Delete(recursive: true);

    [Test]
    public async Task First_training_publishes_model_metadata_and_report_and_promotes_it_as_nothing_is_in_production()
    {
        var version = FirstVersion;
        var folder = Path.Combine(FirstRegistry, "models", version);

        var modelSha256 = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(folder, "model.ubj"))));
        using var metadata = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "metadata.json")));
        using var production = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(FirstRegistry, "models", "production.json")));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(FirstTraining.ExitCode, Is.Zero, FirstTraining.Transcript);
            Assert.That(FirstTraining.Output, Does.Contain($"Published model {version} to "));
            Assert.That(FirstTraining.Output, Does.Contain($"Promoted {version} to production: the first model: nothing was in production before it."));
            Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName), Is.EquivalentTo(new[] { "model.ubj", "metadata.json", "report.md" }));
            Assert.That(metadata.RootElement.GetProperty("version").GetString(), Is.EqualTo(version));
            Assert.That(metadata.RootElement.GetProperty("model_sha256").GetString(), Is.EqualTo(modelSha256), "metadata records the model's SHA-256");
            Assert.That(production.RootElement.GetProperty("version").GetString(), Is.EqualTo(version), "production.json names the new version");
            Assert.That(await File.ReadAllTextAsync(Path.Combine(folder, "report.md")), Does.StartWith($"# Fraud model {version}"));
        }
    }

    [Test]
    public async Task Training_a_worse_model_publishes_it_without_promoting_it_and_names_both_pr_aucs()
    {
        await PutFirstModelInProductionAsync(Registry);
        var productionJson = await File.ReadAllBytesAsync(ProductionFile);
        var productionPrAuc = await TestPrAucAsync(EarlierVersion);

        var run = await TrainAsync("--max-rounds", "1");

        var version = PublishedVersion(run);
        var gate = run.StandardOutput.Select(line => NotPromoted().Match(line)).FirstOrDefault(m => m.Success);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(run.ExitCode, Is.Zero, run.Transcript);
            Assert.That(version, Is.Not.EqualTo(EarlierVersion), "the new model got a version of its own");
            Assert.That(gate, Is.Not.Null, "train says 'Not promoted: test PR-AUC <new> vs production <version>'s <old>'\n" + run.Transcript);
            Assert.That(gate?.Groups["version"].Value, Is.EqualTo(EarlierVersion), "the gate names the production version");
            Assert.That(gate?.Groups["production"].Value, Is.EqualTo(productionPrAuc), "production is judged on the same test rows it was evaluated on");
            Assert.That(double.Parse(gate?.Groups["new"].Value ?? "1", CultureInfo.InvariantCulture), Is.LessThan(double.Parse(productionPrAuc, CultureInfo.InvariantCulture)));
            Assert.That(await File.ReadAllBytesAsync(ProductionFile), Is.EqualTo(productionJson), "production.json is unchanged");
            Assert.That(File.Exists(Path.Combine(Registry, "models", version, "metadata.json")), Is.True, "the worse model is published all the same");
        }
    }

    [Test]
    public async Task Training_when_the_production_model_fails_its_checksum_exits_1_saying_so_and_promotes_nothing()
    {
        await PutFirstModelInProductionAsync(Registry);
        var model = Path.Combine(Registry, "models", EarlierVersion, "model.ubj");
        var bytes = await File.ReadAllBytesAsync(model);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(model, bytes);
        var productionJson = await File.ReadAllBytesAsync(ProductionFile);

        var run = await TrainAsync("--max-rounds", "1");

        run.AssertRefused(1, $"Model {EarlierVersion} failed its checksum");
        Assert.That(await File.ReadAllBytesAsync(ProductionFile), Is.EqualTo(productionJson), "nothing is promoted");
    }

    [Test]
    public async Task Training_when_its_version_is_already_published_exits_1_saying_to_train_again_in_a_second()
    {
        // Two trainings that finish within one second get the same version. Take every version this training can get.
        var now = TimeProvider.System.GetUtcNow();
        for (var second = 0; second <= RunLimit.TotalSeconds; second++)
        {
            var taken = Path.Combine(Registry, "models", ModelVersion.FromTimestamp(now.AddSeconds(second)));
            Directory.CreateDirectory(taken);
            await File.WriteAllTextAsync(Path.Combine(taken, "metadata.json"), "{}");
        }

        var run = await TrainAsync("--max-rounds", "1");

        run.AssertRefused(1, "already exists", "train again in a second");
        Assert.That(File.Exists(ProductionFile), Is.False, "nothing is promoted");
    }

    [Test]
    public async Task Training_on_a_file_that_does_not_exist_exits_2_saying_so()
    {
        var missing = Path.Combine(_scratch.FullName, "missing.csv");

        var run = await FraudstreamProcess.RunAsync(RunLimit, "train", "--data", missing, "--registry", Registry);

        run.AssertRefused(2, missing, "does not exist");
    }

    [Test]
    public async Task Training_on_a_csv_with_a_bad_row_exits_2_naming_the_line_and_the_column()
    {
        var lines = File.ReadLines(DataFile).Take(5).ToArray();
        var fields = lines[2].Split(',');
        fields[3] = "-5";
        lines[2] = string.Join(',', fields);
        var data = Path.Combine(_scratch.FullName, "bad.csv");
        await File.WriteAllLinesAsync(data, lines);

        var run = await FraudstreamProcess.RunAsync(RunLimit, "train", "--data", data, "--registry", Registry);

        run.AssertRefused(2, "line 3", "amount '-5'");
        Assert.That(Directory.Exists(Registry), Is.False, "nothing is published");
    }

    [TestCase("--threads", "100000", "from 1 to 256 threads")]
    [TestCase("--param", "nthread=100000", "nthread")]
    [TestCase("--max-rounds", "2000000000", "rounds")]
    [TestCase("--target-precision", "NaN", "target precision")]
    public async Task Training_with_an_option_out_of_range_exits_2_naming_it(string option, string value, string namesWhat)
    {
        var run = await TrainAsync(option, value);

        run.AssertRefused(2, namesWhat);
    }

    [Test]
    public async Task Training_on_a_directory_exits_2_saying_to_name_the_file()
    {
        var run = await FraudstreamProcess.RunAsync(RunLimit, "train", "--data", _scratch.FullName, "--registry", Registry);

        run.AssertRefused(2, "is a directory");
    }

    [Test]
    public async Task Training_on_a_csv_with_a_50_MB_line_exits_2_naming_the_line()
    {
        var data = Path.Combine(_scratch.FullName, "long-line.csv");
        await File.WriteAllTextAsync(data, File.ReadLines(DataFile).First() + "\n" + new string('x', 50 * 1024 * 1024) + "\n");

        var run = await FraudstreamProcess.RunAsync(RunLimit, "train", "--data", data, "--registry", Registry);

        run.AssertRefused(2, "line 2 is longer than 4096 characters");
    }

    [Test]
    public async Task Training_with_a_registry_that_cannot_work_exits_2_before_training()
    {
        var notADirectory = Path.Combine(_scratch.FullName, "registry-file");
        await File.WriteAllTextAsync(notADirectory, "a file, not a directory");

        var run = await FraudstreamProcess.RunAsync(RunLimit, "train", "--data", DataFile, "--registry", notADirectory);

        run.AssertRefused(2, "registry-file' is a file");
        Assert.That(run.Output, Does.Not.Contain("round"), "refused before training:\n" + run.Transcript);
    }

    [Test]
    public async Task Training_with_a_param_that_is_not_name_equals_value_exits_2()
    {
        var run = await TrainAsync("--param", "max_depth");

        run.AssertRefused(2, "'max_depth' is not name=value");
    }

    [Test]
    public async Task Training_with_a_param_xgboost_rejects_exits_1_with_xgboosts_message_and_no_stack_trace()
    {
        var run = await TrainAsync("--param", "max_depth=-1", "--max-rounds", "1");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(run.ExitCode, Is.EqualTo(1), run.Transcript);
            // XGBoost adds the parameter's documentation on a second line; a stack trace would add frames and type names.
            Assert.That(run.ErrorLines.FirstOrDefault(), Does.StartWith("XGBoost refused the training:").And.Contain("max_depth"), run.Transcript);
            Assert.That(run.StandardError, Has.None.Match(@"^\s+at |Exception"), "no stack trace:\n" + run.Transcript);
            Assert.That(Directory.Exists(Path.Combine(Registry, "models")), Is.False, "nothing is published");
        }
    }

    private string ProductionFile => Path.Combine(Registry, "models", "production.json");

    private Task<FraudstreamRun> TrainAsync(params string[] options) =>
        FraudstreamProcess.RunAsync(RunLimit, ["train", "--data", DataFile, "--registry", Registry, .. options]);

    /// <summary>The test PR-AUC a version's metadata records, as train prints it.</summary>
    private async Task<string> TestPrAucAsync(string version)
    {
        using var metadata = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Registry, "models", version, "metadata.json")));
        var prAuc = metadata.RootElement.GetProperty("metrics").GetProperty("test").GetProperty("pr_auc").GetDouble();
        return prAuc.ToString("0.0000", CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^Not promoted: test PR-AUC (?<new>\d\.\d{4}) vs production (?<version>\d{8}_\d{6})'s (?<production>\d\.\d{4}) on the same test rows")]
    private static partial Regex NotPromoted();
}
