using System.Text.RegularExpressions;

namespace FraudStream.Cli.Tests;

/// <summary>`fraudstream demo` run as `make demo` runs it: the real executable, to completion.</summary>
[TestFixture]
public sealed partial class DemoVerbTests
{
    private static readonly TimeSpan s_demoLimit = TimeSpan.FromSeconds(120);

    private FraudstreamProcess? _fraudstream;

    [TearDown]
    public void StopFraudstream()
    {
        _fraudstream?.Dispose();
        _fraudstream = null;
    }

    [Test]
    public async Task Demo_exits_0_and_read_committed_skips_the_aborted_transaction_read_uncommitted_shows()
    {
        _fraudstream = FraudstreamProcess.Start("demo");

        var exitCode = await _fraudstream.WaitForExitAsync(s_demoLimit);

        var readCommitted = ConsumerLine("read_committed");
        var readUncommitted = ConsumerLine("read_uncommitted");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.Zero, _fraudstream.Transcript);
            Assert.That(readCommitted.Count, Is.EqualTo(3), readCommitted.Line);
            Assert.That(readCommitted.Records, Has.Count.EqualTo(3), readCommitted.Line);
            Assert.That(readCommitted.Line, Does.Contain("tx-1001").And.Contain("tx-1002").And.Contain("tx-1005"));
            Assert.That(readCommitted.Line, Does.Not.Contain("tx-1003").And.Not.Contain("tx-1004"), "aborted records are hidden from read_committed");
            Assert.That(readUncommitted.Count, Is.EqualTo(5), readUncommitted.Line);
            Assert.That(readUncommitted.Records, Has.Count.EqualTo(5), readUncommitted.Line);
            Assert.That(readUncommitted.Line, Does.Contain("tx-1003").And.Contain("tx-1004"), "read_uncommitted sees the aborted records");
        }
    }

    /// <summary>The demo's "&lt;isolation&gt; consumer sees N record(s): offset:value | ..." line, parsed.</summary>
    private (string Line, int Count, List<string> Records) ConsumerLine(string isolation)
    {
        var matches = _fraudstream!.StandardOutput
            .Select(line => (Line: line, Match: ConsumerSees().Match(line)))
            .Where(x => x.Match.Success && x.Match.Groups["isolation"].Value == isolation)
            .ToList();
        Assert.That(matches, Has.Count.EqualTo(1), $"expected one '{isolation} consumer sees' line.\n{_fraudstream.Transcript}");
        var (line, match) = matches[0];
        var records = match.Groups["records"].Value.Split(" | ", StringSplitOptions.RemoveEmptyEntries).ToList();
        return (line, int.Parse(match.Groups["count"].Value, provider: null), records);
    }

    [GeneratedRegex(@"^(?<isolation>\S+)\s+consumer sees (?<count>\d+) record\(s\):\s*(?<records>.*)$")]
    private static partial Regex ConsumerSees();
}
