namespace FraudStream.Cli.Tests;

/// <summary>`fraudstream generate` run as a user runs it: the real executable, writing real files.</summary>
[TestFixture]
public sealed class GenerateVerbTests
{
    // The header the README documents: a contract with whoever reads the file, so spelled out here, not taken from the code.
    private const string DocumentedHeader =
        "transaction_id,card_id,event_time,amount,currency,merchant_id,merchant_category,channel,card_present,terminal_id,"
        + "merchant_country,merchant_latitude,merchant_longitude,cardholder_latitude,cardholder_longitude,is_fraud,scenario,label_time";

    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);

    private DirectoryInfo _scratch = null!;

    [SetUp]
    public void CreateScratchDirectory() =>
        _scratch = Directory.CreateTempSubdirectory("fraudstream-generate-tests-");

    [TearDown]
    public void DeleteScratchDirectory() =>
        _scratch.Delete(recursive: true);

    [Test]
    public async Task Generate_with_the_same_seed_writes_byte_identical_files_and_with_another_seed_a_different_one()
    {
        var first = Path.Combine(_scratch.FullName, "a.csv");
        var again = Path.Combine(_scratch.FullName, "b.csv");
        var otherSeed = Path.Combine(_scratch.FullName, "c.csv");

        var runs = new[]
        {
            await GenerateAsync("--rows", "3000", "--seed", "5", "--out", first),
            await GenerateAsync("--rows", "3000", "--seed", "5", "--out", again),
            await GenerateAsync("--rows", "3000", "--seed", "6", "--out", otherSeed),
        };

        var lines = await File.ReadAllLinesAsync(first);
        using (Assert.EnterMultipleScope())
        {
            foreach (var run in runs)
            {
                Assert.That(run.ExitCode, Is.Zero, run.Transcript);
                Assert.That(run.Output, Does.StartWith("Wrote 3,000 transactions"), run.Transcript);
            }

            Assert.That(await File.ReadAllBytesAsync(again), Is.EqualTo(await File.ReadAllBytesAsync(first)), "the same seed writes the same bytes");
            Assert.That(await File.ReadAllBytesAsync(otherSeed), Is.Not.EqualTo(await File.ReadAllBytesAsync(first)), "another seed writes other data");
            Assert.That(lines[0], Is.EqualTo(DocumentedHeader));
            Assert.That(lines, Has.Length.EqualTo(3001), "the header and one line per row");
        }
    }

    [TestCase("--rows", "0", "--rows")]
    [TestCase("--rows", "2000000000", "--rows")]
    [TestCase("--cards", "2000000000", "1,000,000 cards")]
    [TestCase("--fraud-ratio", "0.9", "fraud ratio")]
    public async Task Generate_with_a_bad_option_exits_2_with_one_sentence_naming_it_and_writes_nothing(string option, string value, string namesWhat)
    {
        var output = Path.Combine(_scratch.FullName, "data.csv");

        var run = await GenerateAsync(option, value, "--out", output);

        run.AssertRefused(2, namesWhat, value);
        Assert.That(File.Exists(output), Is.False, "nothing is written");
    }

    [Test]
    public async Task Generate_into_a_directory_exits_2_saying_to_name_a_file()
    {
        var run = await GenerateAsync("--rows", "10", "--out", _scratch.FullName);

        run.AssertRefused(2, "is a directory");
    }

    [Test]
    public async Task Generate_onto_a_full_disk_exits_1_in_one_sentence()
    {
        var run = await GenerateAsync("--rows", "100000", "--out", "/dev/full");

        run.AssertRefused(1, "Could not write --out '/dev/full'");
    }

    private static Task<FraudstreamRun> GenerateAsync(params string[] options) =>
        FraudstreamProcess.RunAsync(s_limit, ["generate", .. options]);
}
