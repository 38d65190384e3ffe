namespace FraudStream.Testing;

/// <summary>A finished fraudstream run: its exit code and everything it printed.</summary>
public sealed record FraudstreamRun(int ExitCode, IReadOnlyList<string> StandardOutput, IReadOnlyList<string> StandardError, string Transcript)
{
    /// <summary>The non-empty stderr lines: a user's mistake should produce exactly one.</summary>
    public IReadOnlyList<string> ErrorLines => [.. StandardError.Where(line => line.Length > 0)];

    /// <summary>All of stdout as one text, for Does.Contain.</summary>
    public string Output => string.Join('\n', StandardOutput);

    /// <summary>
    /// Asserts the run was refused as a user's mistake should be: exit <paramref name="exitCode"/> and one line on stderr,
    /// not a stack trace, containing every one of <paramref name="phrases"/>.
    /// </summary>
    public void AssertRefused(int exitCode, params string[] phrases)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ExitCode, Is.EqualTo(exitCode), Transcript);
            Assert.That(ErrorLines, Has.Count.EqualTo(1), "one line on stderr, no stack trace:\n" + Transcript);
            foreach (var phrase in phrases)
            {
                Assert.That(ErrorLines.FirstOrDefault(), Does.Contain(phrase), Transcript);
            }
        }
    }

    /// <summary>
    /// Asserts a serving process stopped because its only production model, <paramref name="version"/>, was refused
    /// for <paramref name="reason"/>: exit 1, the refusal and the reason it cannot serve on stderr, no stack trace.
    /// </summary>
    public void AssertCannotServe(string version, string reason)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ExitCode, Is.EqualTo(1), Transcript);
            Assert.That(StandardError, Has.Some.Contains($"Refused production model {version} ({reason})"), Transcript);
            Assert.That(StandardError, Has.Some.Contains("no other model serves"), Transcript);
            Assert.That(StandardError, Has.None.Contains("   at "), "no stack trace:\n" + Transcript);
        }
    }
}
