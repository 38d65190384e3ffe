using System.Globalization;
using System.Text.RegularExpressions;

namespace FraudStream.Cli.Tests;

/// <summary>
/// `fraudstream demo` as `make demo` runs it: the real executable starting the real broker, trainer, scorer, API,
/// alerts follower and load generator as its children, on a registry of its own.
/// </summary>
[TestFixture]
public sealed partial class DemoVerbTests
{
    private const string MarkerVariable = "FRAUDSTREAM_DEMO_TEST_RUN";
    private static readonly TimeSpan s_demoLimit = TimeSpan.FromSeconds(240);

    private FraudstreamProcess? _fraudstream;
    private string _registry = "";
    private string _marker = "";

    [SetUp]
    public void CreateRegistry()
    {
        _registry = Directory.CreateTempSubdirectory("fraudstream-demo-test-").FullName;
        _marker = Guid.NewGuid().ToString("N");
    }

    [TearDown]
    public void StopFraudstream()
    {
        _fraudstream?.Dispose();
        _fraudstream = null;
        Directory.Delete(_registry, recursive: true);
    }

    [Test]
    public async Task Demo_scores_every_record_sent_answers_predict_summarises_and_leaves_no_process()
    {
        _fraudstream = StartDemo("--seconds", "5", "--rate", "500");

        var exitCode = await _fraudstream.WaitForExitAsync(s_demoLimit);

        var transcript = _fraudstream.Transcript;
        Assert.That(exitCode, Is.Zero, transcript);
        var sent = SummaryCount("Records sent");
        var scored = SummaryCount("Records scored");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(scored, Is.GreaterThan(0), transcript);
            Assert.That(scored, Is.EqualTo(sent), "every record the load generator sent is scored exactly once\n" + transcript);
            Assert.That(SummaryCount("DLQ"), Is.Zero, transcript);
            Assert.That(SummaryLine("Alerts"), Is.Not.Empty, transcript);
            Assert.That(SummaryLine("Throughput"), Does.Contain("records/s"), transcript);
            Assert.That(SummaryLine("End-to-end latency"), Does.Match(@"p50 [\d.]+ ms, p99 [\d.]+ ms"), transcript);
            Assert.That(SummaryLine("Produce → ack"), Does.Match(@"^p50 [\d.]+ ms, p99 [\d.]+ ms"), transcript);
            Assert.That(SummaryLine("Scorer, per batch"), Does.Match(@"^[\d.,]+ records on average, scored in [\d.]+ ms, transaction [\d.]+ ms$"), transcript);
            Assert.That(SummaryLine("Produce → committed"), Does.Match(@"^[\d.]+% of [\d,]+ records within 25 ms, [\d.]+% within 50 ms$"), transcript);
            Assert.That(_fraudstream.StandardOutput, Has.Some.Match("\"model_version\": \"[^\"]+\""), "the /predict answer names its model\n" + transcript);
            Assert.That(Directory.EnumerateFiles(_registry, "*", SearchOption.AllDirectories), Is.Not.Empty, "a model was trained into the registry");
            Assert.That(LeftoverProcesses(), Is.Empty, transcript);
            Assert.That(ScratchDirectory() is { } scratch && !Directory.Exists(scratch), Is.True, "the demo deletes its temporary files\n" + transcript);
        }
    }

    [Test]
    public async Task Sigterm_once_the_scorer_is_ready_stops_everything_and_exits_0()
    {
        _fraudstream = StartDemo("--seconds", "600");
        await _fraudstream.WaitForStdoutLineAsync(l => l.StartsWith("[demo] Scorer ready", StringComparison.Ordinal), "that the scorer is ready", s_demoLimit);

        _fraudstream.SendSigterm();
        var exitCode = await _fraudstream.WaitForExitAsync(s_demoLimit);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.Zero, _fraudstream.Transcript);
            Assert.That(_fraudstream.StandardOutput, Has.Some.StartsWith("[demo] Stopped broker"), _fraudstream.Transcript);
            Assert.That(LeftoverProcesses(), Is.Empty, _fraudstream.Transcript);
        }
    }

    private FraudstreamProcess StartDemo(params string[] options) => FraudstreamProcess.Start(
        new Dictionary<string, string?> { [MarkerVariable] = _marker, ["OMP_WAIT_POLICY"] = "PASSIVE" },
        ["demo", "--registry", _registry, .. options]);

    /// <summary>"  Records scored:   2,500" → 2500.</summary>
    private long SummaryCount(string label)
    {
        var line = SummaryLine(label);
        var match = LeadingNumber().Match(line);
        Assert.That(match.Success, Is.True, $"'{label}' has no count: {line}");
        return long.Parse(match.Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
    }

    private string SummaryLine(string label)
    {
        var prefix = $"  {label}:";
        var line = _fraudstream!.StandardOutput.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.That(line, Is.Not.Null, $"no summary line '{label}'.\n{_fraudstream.Transcript}");
        return line![prefix.Length..].Trim();
    }

    /// <summary>The demo's temporary directory, from the path the generator printed.</summary>
    private string? ScratchDirectory()
    {
        var line = _fraudstream!.StandardOutput.FirstOrDefault(l => l.StartsWith("[generate] Wrote ", StringComparison.Ordinal));
        return line is null ? null : Path.GetDirectoryName(line[(line.LastIndexOf(" to ", StringComparison.Ordinal) + 4)..]);
    }

    /// <summary>Processes that inherited this test's marker or name its registry: the demo's children, if any survived.</summary>
    private List<string> LeftoverProcesses()
    {
        var left = new List<string>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                var environment = File.ReadAllText(Path.Combine(directory, "environ"));
                if (commandLine.Contains(_registry, StringComparison.Ordinal) || environment.Contains(_marker, StringComparison.Ordinal))
                {
                    left.Add($"{Path.GetFileName(directory)}: {commandLine}");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or someone else's.
            }
        }

        return left;
    }

    [GeneratedRegex(@"^\d[\d,]*")]
    private static partial Regex LeadingNumber();
}
