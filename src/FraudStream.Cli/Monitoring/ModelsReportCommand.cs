using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FraudStream.Cli.Hosting;
using FraudStream.Cli.Traffic;
using FraudStream.Core;
using FraudStream.Registry;
using FraudStream.Training.Evaluation;

namespace FraudStream.Cli.Monitoring;

/// <summary>
/// `fraudstream models report`: each model version's live accuracy, from its scores on Kafka (production's on the scored
/// topic, a challenger's on the shadow topic) joined with the labels topic, over event-time windows ending now.
/// </summary>
internal static class ModelsReportCommand
{
    /// <summary>The scored topic's usual name (Scorer:ScoredTopic has no default: it is off unless set).</summary>
    public const string DefaultScoredTopic = "transactions_scored";

    /// <summary>The shadow topic's usual name.</summary>
    public const string DefaultShadowTopic = "transactions_shadow";

    /// <summary>The options the report and the monitor share.</summary>
    internal sealed record Sources(
        Option<string?> Bootstrap, Option<string> ScoredTopic, Option<string> ShadowTopic, Option<string> LabelsTopic, Option<string?> SchemaRegistry,
        Option<string> Windows, Option<TimeSpan?> Maturity)
    {
        public static Sources Create() => new(
            KafkaCluster.CreateBootstrapOption(),
            new Option<string>("--scored-topic") { Description = "Production's scores (scorers' Scorer:ScoredTopic).", HelpName = "name", DefaultValueFactory = _ => DefaultScoredTopic },
            new Option<string>("--shadow-topic") { Description = "Challengers' scores (scorers' Scorer:ShadowTopic); left out when it does not exist.", HelpName = "name", DefaultValueFactory = _ => DefaultShadowTopic },
            new Option<string>("--labels-topic") { Description = "The labels topic.", HelpName = "name", DefaultValueFactory = _ => KafkaTopics.DefaultFraudLabels },
            WriterSchemas.CreateOption(),
            new Option<string>("--windows") { Description = "Event-time windows ending now, comma-separated.", HelpName = "1d,7d", DefaultValueFactory = _ => "1d,7d" },
            new Option<TimeSpan?>("--maturity")
            {
                Description = "How long after a transaction no fraud label means genuine (chargebacks come for frauds only); younger unlabelled transactions are unknown.",
                DefaultValueFactory = _ => TimeSpan.FromDays(7),
                CustomParser = result => OptionValues.Duration(result, "--maturity"),
                HelpName = "time",
            });

        public IEnumerable<Option> All => [Bootstrap, ScoredTopic, ShadowTopic, LabelsTopic, SchemaRegistry, Windows, Maturity];

        /// <summary>The cluster, windows and schema registry given; null after one sentence on stderr.</summary>
        public async Task<(string Bootstrap, TimeSpan[] Windows, Avro.Registry.ISchemaRegistry Schemas)?> ResolveAsync(ParseResult parseResult)
        {
            if (KafkaCluster.ResolveBootstrap(parseResult.GetValue(Bootstrap)) is not { } bootstrap)
            {
                await Console.Error.WriteLineAsync(KafkaCluster.MissingBootstrap);
                return null;
            }

            // Commands that compare over one window of their own do not take --windows.
            var windows = parseResult.CommandResult.Command.Options.Contains(Windows) ? ParseWindows(parseResult) : [];
            if (windows is null)
            {
                return null;
            }

            if (WriterSchemas.Open(parseResult.GetValue(SchemaRegistry), TimeProvider.System, out var schemaError) is not { } schemas)
            {
                await Console.Error.WriteLineAsync(schemaError);
                return null;
            }

            return (bootstrap, windows, schemas);
        }

        /// <summary>The score topics: production's scored topic first, then the shadow topic.</summary>
        public string[] ScoreTopics(ParseResult parseResult) => [parseResult.GetValue(ScoredTopic)!, parseResult.GetValue(ShadowTopic)!];

        private TimeSpan[]? ParseWindows(ParseResult parseResult)
        {
            var text = parseResult.GetValue(Windows)!;
            var windows = new List<TimeSpan>();
            foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
            {
                var parsed = new RootCommand { new Option<TimeSpan?>("--w") { CustomParser = r => OptionValues.Duration(r, "--windows") } }.Parse(["--w", part]);
                if (parsed.Errors.Count > 0)
                {
                    Console.Error.WriteLine($"--windows must be durations separated by commas, such as 1d,7d or 5m,1h, not '{text}'.");
                    return null;
                }

                windows.Add(parsed.GetValue<TimeSpan?>("--w")!.Value);
            }

            return [.. windows];
        }
    }

    public static Command Create(Option<string?> registry)
    {
        var sources = Sources.Create();
        var version = new Option<string?>("--version") { Description = "Only this version.", HelpName = "YYYYMMDD_HHMMSS" };
        var json = new Option<bool>("--json") { Description = "Print the reports as JSON lines, for scripts." };
        var command = new Command(
            "report",
            "Each model version's live accuracy over windows ending now: precision and recall at its threshold, PR-AUC, alert rate and label coverage, "
            + "from its scores on Kafka (scored and shadow topics) joined with the labels topic.")
        {
            version, json,
        };
        foreach (var option in sources.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parseResult, cancellation) => RunAsync(parseResult, sources, registry, version, json, cancellation));
        return command;
    }

    private static async Task<int> RunAsync(
        ParseResult parseResult, Sources sources, Option<string?> registryOption, Option<string?> versionOption, Option<bool> json, CancellationToken cancellation)
    {
        if (await sources.ResolveAsync(parseResult) is not var (bootstrap, windows, schemas))
        {
            return CommandLineRunner.UsageError;
        }

        var roles = await RolesAsync(parseResult.GetValue(registryOption), cancellation);
        using var reader = AccuracyReader.TryOpen(
            bootstrap, schemas, sources.ScoreTopics(parseResult), parseResult.GetValue(sources.LabelsTopic)!, out var error);
        if (reader is null)
        {
            await Console.Error.WriteLineAsync(error);
            return 1;
        }

        var accuracy = new LiveAccuracy(parseResult.GetValue(sources.Maturity)!.Value);
        await Task.Run(() => reader.ReadToEnd(accuracy, cancellation), cancellation);
        var only = parseResult.GetValue(versionOption);
        var reports = accuracy.Report(TimeProvider.System.GetUtcNow(), windows).Where(r => only is null || r.Version == only).ToList();
        if (parseResult.GetValue(json))
        {
            foreach (var r in reports)
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    version = r.Version, role = roles.GetValueOrDefault(r.Version, ""), window_seconds = r.Window.TotalSeconds, scored = r.Scored, alerts = r.Alerts,
                    known = r.Known, frauds = r.Frauds, true_positives = r.TruePositives, false_positives = r.FalsePositives,
                    precision = Finite(r.Precision), recall = Finite(r.Recall), pr_auc = Finite(r.PrAuc), alert_rate = Finite(r.AlertRate), label_coverage = Finite(r.LabelCoverage),
                }));
            }

            return 0;
        }

        Print(reports, roles, accuracy, reader);
        return 0;
    }

    /// <summary>production / challenger by version, from the registry's aliases; empty when the registry cannot be read.</summary>
    internal static async Task<Dictionary<string, string>> RolesAsync(string? registryLocation, CancellationToken cancellation)
    {
        var roles = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var registry = ModelStores.OpenRegistry(ModelStores.Resolve(registryLocation), TimeProvider.System);
            if ((await registry.GetProductionAsync(cancellation))?.Version is { } production)
            {
                roles[production] = "production";
            }

            if ((await registry.GetChallengerAsync(cancellation))?.Version is { } challenger)
            {
                roles[challenger] = "challenger";
            }
        }
        catch (Exception e) when (e is ModelRegistryException or ArgumentException)
        {
            // Roles are a convenience: the report stands on the topics alone.
        }

        return roles;
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static void Print(IReadOnlyList<AccuracyReport> reports, Dictionary<string, string> roles, LiveAccuracy accuracy, AccuracyReader reader)
    {
        var c = CultureInfo.InvariantCulture;
        if (reports.Count == 0)
        {
            Console.WriteLine("No scores on the topics yet: run scorers with Scorer:ScoredTopic (and Scorer:ShadowTopic for a challenger).");
            return;
        }

        Console.WriteLine($"{"VERSION",-15}  {"ROLE",-10}  {"WINDOW",6}  {"SCORED",8}  {"ALERTS",7}  {"ALERT %",7}  {"KNOWN %",7}  {"FRAUDS",6}  {"PRECISION",9}  {"RECALL",6}  {"PR-AUC",6}");
        foreach (var r in reports)
        {
            Console.WriteLine(string.Create(c,
                $"{r.Version,-15}  {roles.GetValueOrDefault(r.Version, ""),-10}  {AccuracyMonitor.WindowLabel(r.Window),6}  {r.Scored,8}  {r.Alerts,7}  {Percent(r.AlertRate),7}  {Percent(r.LabelCoverage),7}  {r.Frauds,6}  {Ratio(r.Precision),9}  {Ratio(r.Recall),6}  {Ratio(r.PrAuc),6}"));
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(c,
            $"{accuracy.ScoreCount:N0} scores and {accuracy.LabelCount:N0} labels read; an unlabelled transaction counts as genuine once older than the maturity ({accuracy.Maturity}), as unknown before."));
        if (reader.Undecodable > 0)
        {
            Console.WriteLine(string.Create(c, $"{reader.Undecodable:N0} undecodable records skipped."));
        }

        if (reader.Missing.Count > 0)
        {
            Console.WriteLine($"Not found (left out): {string.Join(", ", reader.Missing)}.");
        }

        static string Percent(double v) => double.IsFinite(v) ? (100 * v).ToString("0.00", CultureInfo.InvariantCulture) : "-";
        static string Ratio(double v) => double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "-";
    }
}
