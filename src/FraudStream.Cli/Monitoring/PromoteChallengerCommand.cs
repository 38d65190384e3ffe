using System.CommandLine;
using FraudStream.Cli.Hosting;
using FraudStream.Cli.Traffic;
using FraudStream.Registry;
using FraudStream.Training.Evaluation;

namespace FraudStream.Cli.Monitoring;

/// <summary>
/// `fraudstream models promote-challenger`: promotes the challenger when its live PR-AUC over a window beats
/// production's on the transactions both scored, with enough known frauds; otherwise changes nothing and says why.
/// </summary>
internal static class PromoteChallengerCommand
{
    public static Command Create(Option<string?> registry)
    {
        var sources = ModelsReportCommand.Sources.Create();
        var window = new Option<TimeSpan?>("--window")
        {
            Description = "The event-time window ending now the two versions are compared over.",
            DefaultValueFactory = _ => TimeSpan.FromDays(7),
            CustomParser = result => OptionValues.Duration(result, "--window"),
            HelpName = "time",
        };
        var minimumFrauds = new Option<int>("--min-frauds")
        {
            Description = "Known frauds the comparison needs, at least.",
            DefaultValueFactory = _ => 30,
            CustomParser = result => OptionValues.PositiveCount(result, "--min-frauds"),
            HelpName = "n",
        };
        var margin = new Option<double>("--margin")
        {
            Description = "How much higher the challenger's PR-AUC must be.",
            DefaultValueFactory = _ => 0.0,
            CustomParser = result => OptionValues.Number(result, "--margin", 0, inclusive: true, 1, "a number from 0 to 1"),
            HelpName = "0..1",
        };
        var command = new Command(
            "promote-challenger",
            "Promote the challenger if its live PR-AUC over --window beats production's on the transactions both scored (from the scored, "
            + "shadow and labels topics), with at least --min-frauds known frauds; else change nothing and say why.")
        {
            window, minimumFrauds, margin,
        };
        foreach (var option in sources.All.Where(o => o != sources.Windows))
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, cancellation) =>
        {
            if (await sources.ResolveAsync(parseResult) is not var (bootstrap, _, schemas))
            {
                return CommandLineRunner.UsageError;
            }

            var location = ModelStores.Resolve(parseResult.GetValue(registry));
            var models = ModelStores.OpenRegistry(location, TimeProvider.System);
            var production = (await models.GetProductionAsync(cancellation))?.Version;
            var challenger = (await models.GetChallengerAsync(cancellation))?.Version;
            if (production is null || challenger is null)
            {
                Console.WriteLine(production is null ? "No version is in production; nothing to compare." : "There is no challenger; nothing to compare.");
                return 0;
            }

            using var reader = AccuracyReader.TryOpen(bootstrap, schemas, sources.ScoreTopics(parseResult), parseResult.GetValue(sources.LabelsTopic)!, out var error);
            if (reader is null)
            {
                await Console.Error.WriteLineAsync(error);
                return 1;
            }

            var accuracy = new LiveAccuracy(parseResult.GetValue(sources.Maturity)!.Value);
            await Task.Run(() => reader.ReadToEnd(accuracy, cancellation), cancellation);
            if (accuracy.Compare(production, challenger, TimeProvider.System.GetUtcNow(), parseResult.GetValue(window)!.Value) is not var (p, c))
            {
                Console.WriteLine($"No scores of both production {production} and challenger {challenger} on the topics yet; nothing changed.");
                return 0;
            }

            var (promote, reason) = ChallengerVerdict.Decide(p, c, parseResult.GetValue(minimumFrauds), parseResult.GetValue(margin));
            Console.WriteLine(reason);
            if (!promote)
            {
                Console.WriteLine("Nothing changed.");
                return 0;
            }

            try
            {
                var alias = await models.PromoteAsync(challenger, reason, cancellation);
                Console.WriteLine($"Production: {alias.Previous.FirstOrDefault() ?? "none"} → {alias.Version}.");
                return 0;
            }
            catch (ModelRegistryException e)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return 1;
            }
        });
        return command;
    }
}
