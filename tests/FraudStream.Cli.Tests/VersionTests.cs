using FraudStream.XGBoost;

namespace FraudStream.Cli.Tests;

public sealed class VersionTests
{
    [Test]
    public async Task Version_names_the_product_version_its_commit_and_the_native_libraries_loaded()
    {
        var run = await FraudstreamProcess.RunAsync(TimeSpan.FromSeconds(60), "--version");

        Assert.That(run.ExitCode, Is.Zero, run.Transcript);
        Assert.That(run.StandardOutput.Where(l => l.Length > 0).ToList(), Has.Count.EqualTo(4), run.Transcript);
        Assert.Multiple(() =>
        {
            Assert.That(run.StandardOutput[0], Does.Match(@"^fraudstream \d+\.\d+\.\d+\S* \(commit [0-9a-f]{12}\)$"), "the commit the build came from");
            Assert.That(run.StandardOutput[1], Is.EqualTo($"librdkafka {Confluent.Kafka.Library.VersionString}"));
            Assert.That(run.StandardOutput[2], Is.EqualTo($"XGBoost {XGBoostLibrary.Version}"));
            Assert.That(run.StandardOutput[3], Does.StartWith(".NET 10."));
        });
    }
}
