namespace FraudStream.Cli.Tests;

/// <summary>Every numeric option has an upper bound: a huge value is one sentence and exit code 2, not an overflow or a machine brought to its knees.</summary>
[TestFixture]
public sealed class OptionBoundsTests
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);

    [TestCase("demo", "--seconds", "1e300")]
    [TestCase("demo", "--rate", "1e300")]
    [TestCase("loadgen", "--rate", "1e300")]
    [TestCase("loadgen", "--follow-seconds", "1e300")]
    [TestCase("loadgen", "--linger-ms", "1e300")]
    [TestCase("demo", "--loadgen-linger-ms", "1e300")]
    [TestCase("loadgen", "--cards", "2000000000")]
    public async Task A_value_beyond_an_options_range_exits_2_naming_the_option(string verb, string option, string value)
    {
        var run = await FraudstreamProcess.RunAsync(
            new Dictionary<string, string?> { ["FRAUDSTREAM_KAFKA_BOOTSTRAP"] = "127.0.0.1:1" }, s_limit, verb, option, value);

        run.AssertRefused(2, value);
    }
}
