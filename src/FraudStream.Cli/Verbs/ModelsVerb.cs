using System.CommandLine;
using System.Globalization;
using System.Text;
using FraudStream.Cli.Hosting;
using FraudStream.Core.Models;
using FraudStream.Registry;

namespace FraudStream.Cli.Verbs;

/// <summary>
/// `fraudstream models`: lists the versions `train` publishes, shows one, promotes one or rolls production back,
/// over the same registry `train` uses (--registry, else $FRAUDSTREAM_REGISTRY, else the default directory).
/// </summary>
internal static class ModelsVerb
{
    /// <summary>The word `models show` takes in place of a version for the one in production.</summary>
    private const string ProductionWord = "production";

    private const string DefaultPromotionReason = "promoted with `fraudstream models promote`";

    public static Command Create()
    {
        var registry = ModelStores.CreateOption();
        registry.Recursive = true;
        return new Command("models", "List, show, promote and roll back the model versions in the registry; set a challenger scored in shadow.")
        {
            registry,
            CreateList(registry),
            CreateShow(registry),
            CreatePromote(registry),
            CreateRollback(registry),
            CreateChallenge(registry),
            CreateWithdraw(registry),
            Monitoring.ModelsReportCommand.Create(registry),
            Monitoring.PromoteChallengerCommand.Create(registry),
        };
    }

    private static Command CreateList(Option<string?> registry)
    {
        var command = new Command("list", "List the published versions, newest first, with test PR-AUC, threshold and creation time; marks production and the challenger.");
        command.SetAction((parseResult, cancellation) => WithRegistryAsync(parseResult.GetValue(registry), ListAsync, cancellation));
        return command;
    }

    private static Command CreateShow(Option<string?> registry)
    {
        var version = VersionArgument($"The version to show (YYYYMMDD_HHMMSS), or '{ProductionWord}'.", allowProductionWord: true);
        var json = new Option<bool>("--json") { Description = "Print only metadata.json, for scripts." };
        var command = new Command("show", "Show a version's key facts and its evaluation report, after checking its model file.")
        {
            version, json,
        };
        command.SetAction((parseResult, cancellation) => WithRegistryAsync(
            parseResult.GetValue(registry),
            (r, ct) => ShowAsync(r, parseResult.GetValue(version)!, parseResult.GetValue(json), ct),
            cancellation));
        return command;
    }

    private static Option<string?> ReasonOption(string alias)
    {
        var reason = new Option<string?>("--reason") { Description = $"Why, recorded in the {alias} alias.", HelpName = "text" };
        reason.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && string.IsNullOrWhiteSpace(text))
            {
                result.AddError("--reason must not be empty.");
            }
        });
        return reason;
    }

    private static Command CreateChallenge(Option<string?> registry)
    {
        var version = VersionArgument("The version to score in shadow beside production (YYYYMMDD_HHMMSS).", allowProductionWord: false);
        var reason = ReasonOption("challenger");
        var command = new Command(
            "challenge",
            "Make a published version the challenger: scorers with Scorer:ShadowTopic score every batch with it too, writing its scores (never alerts) to that topic.")
        {
            version, reason,
        };
        command.SetAction((parseResult, cancellation) => WithRegistryAsync(
            parseResult.GetValue(registry),
            async (r, ct) =>
            {
                var alias = await r.ChallengeAsync(parseResult.GetValue(version)!, parseResult.GetValue(reason) ?? "set with `fraudstream models challenge`", ct);
                Console.WriteLine($"Challenger: {alias.Version} ({alias.Reason}). Scorers pick it up at their next poll of the registry.");
                return 0;
            },
            cancellation));
        return command;
    }

    private static Command CreateWithdraw(Option<string?> registry)
    {
        var reason = ReasonOption("challenger");
        var command = new Command("withdraw", "Withdraw the challenger: scorers stop scoring with it.") { reason };
        command.SetAction((parseResult, cancellation) => WithRegistryAsync(
            parseResult.GetValue(registry),
            async (r, ct) =>
            {
                var withdrawn = await r.ClearChallengerAsync(parseResult.GetValue(reason) ?? "withdrawn with `fraudstream models withdraw`", ct);
                Console.WriteLine(withdrawn is null ? "There is no challenger; nothing changed." : $"Challenger {withdrawn} withdrawn.");
                return 0;
            },
            cancellation));
        return command;
    }

    private static Command CreatePromote(Option<string?> registry)
    {
        var version = VersionArgument("The version to put in production (YYYYMMDD_HHMMSS).", allowProductionWord: false);
        var reason = ReasonOption("production");
        var command = new Command("promote", "Put a published version in production (its model file is checked first).")
        {
            version, reason,
        };
        command.SetAction((parseResult, cancellation) => WithRegistryAsync(
            parseResult.GetValue(registry),
            (r, ct) => PromoteAsync(r, parseResult.GetValue(version)!, parseResult.GetValue(reason) ?? DefaultPromotionReason, ct),
            cancellation));
        return command;
    }

    private static Command CreateRollback(Option<string?> registry)
    {
        var command = new Command("rollback", "Put the previous production version back in production.");
        command.SetAction((parseResult, cancellation) => WithRegistryAsync(parseResult.GetValue(registry), RollbackAsync, cancellation));
        return command;
    }

    private static async Task<int> ListAsync(ModelRegistry registry, CancellationToken cancellation)
    {
        var versions = await registry.ListVersionsAsync(cancellation);
        var production = await registry.GetProductionAsync(cancellation);
        var challenger = (await registry.GetChallengerAsync(cancellation))?.Version;
        if (versions.Count == 0)
        {
            Console.WriteLine($"No model versions in the {registry.Store.Description} yet; publish one with `fraudstream train`.");
            return 0;
        }

        Console.WriteLine($"{"VERSION",-15}  {"TEST PR-AUC",11}  {"THRESHOLD",9}  {"CREATED (UTC)",-19}  STATUS");
        foreach (var version in versions)
        {
            var status = version == challenger ? "challenger" : Status(version, production);
            string facts;
            try
            {
                var m = await registry.GetMetadataAsync(version, cancellation);
                facts = string.Create(CultureInfo.InvariantCulture,
                    $"{m.Metrics.Test.PrAuc,11:0.0000}  {m.Threshold,9:0.0000}  {m.CreatedAt.UtcDateTime,-19:yyyy-MM-dd HH:mm:ss}");
            }
            catch (ModelRefusedException)
            {
                // One unreadable version must not hide the others; `models show` says what is wrong with it.
                facts = $"{"unreadable metadata (see `models show`)",-43}";
            }

            Console.WriteLine($"{version,-15}  {facts}  {status}".TrimEnd());
        }

        Console.WriteLine();
        Console.WriteLine(production is null
            ? "No version is in production yet; promote one with `fraudstream models promote <version>`."
            : $"Production: {production.Version}, since {Utc(production.PromotedAt)}; promoted because: {production.Reason ?? "no reason recorded"}."
                + (production.Previous.Count > 0 ? $" `models rollback` returns to {production.Previous[0]}." : ""));
        if (challenger is not null)
        {
            Console.WriteLine($"Challenger: {challenger}, scored in shadow by scorers with Scorer:ShadowTopic; `fraudstream models withdraw` stops it.");
        }

        return 0;
    }

    private static async Task<int> ShowAsync(ModelRegistry registry, string requested, bool json, CancellationToken cancellation)
    {
        var production = await registry.GetProductionAsync(cancellation);
        if (requested == ProductionWord && production is null)
        {
            await Console.Error.WriteLineAsync(
                $"No version is in production in the {registry.Store.Description} yet; promote one with `fraudstream models promote <version>`.");
            return 1;
        }

        var version = requested == ProductionWord ? production!.Version : requested;

        // Load and check, not just read the metadata: a version scorers would refuse is refused here too, saying why.
        var (metadata, model) = await registry.LoadServableAsync(version, cancellation);
        if (json)
        {
            Console.WriteLine(metadata.ToJson());
            return 0;
        }

        var report = await registry.Store.TryGetAsync(RegistryLayout.ReportKey(version), cancellation);
        Console.Write(KeyFacts(metadata, model.Length, production));
        Console.WriteLine();
        Console.Write(report is null ? $"(model {version} has no {RegistryLayout.ReportFileName})\n" : Encoding.UTF8.GetString(report));
        return 0;
    }

    private static async Task<int> PromoteAsync(ModelRegistry registry, string version, string reason, CancellationToken cancellation)
    {
        var before = await registry.GetProductionAsync(cancellation);
        var after = await registry.PromoteAsync(version, reason, cancellation);
        if (before?.Version == after.Version)
        {
            Console.WriteLine($"Model {version} is already in production; nothing changed.");
            return 0;
        }

        // The alias remembers what it replaced: report that rather than the earlier read, in case of a concurrent promotion.
        Console.WriteLine($"Production: {after.Previous.FirstOrDefault() ?? "none"} → {after.Version} ({reason}).");
        return 0;
    }

    private static async Task<int> RollbackAsync(ModelRegistry registry, CancellationToken cancellation)
    {
        var before = await registry.GetProductionAsync(cancellation);
        var after = await registry.RollbackAsync(cancellation);
        Console.WriteLine($"Production: {before?.Version ?? "none"} → {after.Version} (rolled back).");
        return 0;
    }

    /// <summary>
    /// Opens the registry and runs <paramref name="action"/>, turning the failures a user can cause into one sentence
    /// on stderr: exit 2 for a location or value to fix on the command line, 1 for the registry's state.
    /// </summary>
    private static async Task<int> WithRegistryAsync(
        string? location, Func<ModelRegistry, CancellationToken, Task<int>> action, CancellationToken cancellation)
    {
        try
        {
            var registry = ModelStores.OpenRegistry(ModelStores.Resolve(location), TimeProvider.System);
            return await action(registry, cancellation);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(WithoutParameterName(e));
            return CommandLineRunner.UsageError;
        }
        catch (ModelRegistryException e)
        {
            // Unknown or corrupt versions, no production or nothing to roll back to, store outages: the message says what to do.
            await Console.Error.WriteLineAsync(e.Message);
            return 1;
        }
    }

    private static Argument<string> VersionArgument(string description, bool allowProductionWord)
    {
        var version = new Argument<string>("version") { Description = description };
        version.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!(allowProductionWord && value == ProductionWord) && !ModelVersion.IsValid(value))
            {
                result.AddError(
                    $"'{value}' is not a model version: versions are the UTC publish time as YYYYMMDD_HHMMSS, e.g. 20260314_093000 (`fraudstream models list` lists them)"
                    + (allowProductionWord ? $", or '{ProductionWord}'." : "."));
            }
        });
        return version;
    }

    /// <summary>The list's STATUS column.</summary>
    private static string Status(string version, ProductionAlias? production) =>
        version == production?.Version ? "production"
        : IsRollbackTarget(version, production) ? "rollback target"
        : "";

    private static bool IsRollbackTarget(string version, ProductionAlias? production) =>
        production is { Previous: [var previous, ..] } && previous == version;

    private static string KeyFacts(ModelMetadata m, int modelBytes, ProductionAlias? production)
    {
        var c = CultureInfo.InvariantCulture;
        var test = m.Metrics.Test;
        var data = m.TrainingData;
        var facts = new StringBuilder();
        var standing =
            m.Version == production?.Version ? $"in production since {Utc(production.PromotedAt)}; promoted because: {production.Reason ?? "no reason recorded"}"
            : IsRollbackTarget(m.Version, production) ? "not in production; `fraudstream models rollback` returns to it"
            : "not in production";
        facts.AppendLine(c, $"Model {m.Version}: {standing}");
        facts.AppendLine(c, $"  created      {Utc(m.CreatedAt)}");
        facts.AppendLine(c, $"  model file   {m.ModelFile}, {modelBytes:N0} bytes, SHA-256 {m.ModelSha256} (verified)");
        facts.AppendLine(c, $"  pipeline     {m.Pipeline.Version}, {m.Pipeline.FeatureNames.Count} features");
        facts.AppendLine(c, $"  threshold    {m.Threshold:0.0000} ({m.ThresholdRule})");
        facts.AppendLine(c, $"  test split   PR-AUC {test.PrAuc:0.0000}, ROC-AUC {test.RocAuc:0.0000}, precision {test.Precision:0.0000}, recall {test.Recall:0.0000} ({test.Rows:N0} rows)");
        facts.AppendLine(c, $"  trained on   {data.Source}: {data.Rows:N0} rows, {100 * data.FraudRate:0.00} % fraud, {Utc(data.From)} to {Utc(data.To)}, SHA-256 {data.Sha256}");
        facts.AppendLine(c, $"  parameters   {string.Join(' ', m.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"))}");
        return facts.ToString();
    }

    private static string Utc(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The message without the " (Parameter 'x')" .NET appends: the user never sees the parameter.</summary>
    private static string WithoutParameterName(ArgumentException e) =>
        e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
}
