using System.CommandLine;
using FraudStream.Cli.Demo;
using FraudStream.Cli.Hosting;
using FraudStream.Cli.Traffic;

namespace FraudStream.Cli.Verbs;

/// <summary>
/// `fraudstream demo`: the whole pipeline on one machine (development broker, model, exactly-once scorer, /predict API,
/// alerts, load generator) for a short run, then a summary; Ctrl+C stops everything.
/// </summary>
internal static class DemoVerb
{
    public static Command Create()
    {
        var seconds = new Option<double>("--seconds")
        {
            Description = "How long the load generator produces.",
            HelpName = "seconds",
            DefaultValueFactory = _ => 30,
            CustomParser = result => OptionValues.Number(result, "--seconds", 0, inclusive: false, 86_400, "a positive number of seconds, at most 86400"),
        };
        var rate = new Option<double>("--rate")
        {
            Description = "Transactions per second the load generator produces.",
            HelpName = "records/s",
            DefaultValueFactory = _ => 2_000,
            CustomParser = result => OptionValues.Number(result, "--rate", 0, inclusive: false, 1_000_000, "a positive number of records per second, at most 1000000"),
        };
        var linger = OptionValues.LingerOption(
            "--loadgen-linger-ms", "How long the load generator's producer waits to fill a request: `fraudstream loadgen --linger-ms` (not the scorer's linger).");
        var registry = ModelStores.CreateOption();

        var command = new Command(
            "demo",
            "Run the whole pipeline on an embedded development broker: train a model if there is none, score generated traffic "
            + "exactly once, show alerts and a summary. Ctrl+C stops everything.")
        {
            seconds, rate, linger, registry,
        };
        command.SetAction((parseResult, _) => DemoPipeline.RunAsync(new DemoSettings(
            TimeSpan.FromSeconds(parseResult.GetValue(seconds)),
            parseResult.GetValue(rate),
            ModelStores.Resolve(parseResult.GetValue(registry)),
            parseResult.GetValue(linger))));
        return command;
    }
}
