using System.CommandLine;
using System.Globalization;
using FraudStream.Cli.Hosting;
using FraudStream.Cli.Retraining;
using FraudStream.Cli.Traffic;
using FraudStream.Registry;
using FraudStream.Training;

namespace FraudStream.Cli.Verbs;

/// <summary>
/// `fraudstream retrain`: checks the retraining triggers (schedule, new labels, drift) and, when one fires, trains on the last
/// --since of the Kafka topics as `train --from-kafka` does, publishes the model and makes it the challenger, scored in
/// shadow beside production. It never promotes: production changes by a person, or by live accuracy, elsewhere.
/// </summary>
internal static class RetrainVerb
{
    /// <summary>The default training window.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(30);

    public static Command Create()
    {
        var once = new Option<bool>("--once") { Description = "Check the triggers once (and retrain if one fires), then exit: for a CronJob." };
        var checkEvery = OptionValues.DurationOption("--check-every", "Without --once: how often to check the triggers.", TimeSpan.FromHours(1));
        var every = OptionValues.DurationOption("--every", "Trigger: retrain when the newest model in the registry is at least this old, e.g. 7d.");
        var minNewLabels = OptionValues.PositiveCountOption(
            "--min-new-labels", "Trigger: retrain when at least this many labels became known after the newest model's training data ends.");
        var driftAbove = new Option<double?>("--drift-above")
        {
            Description = "Trigger: retrain when a feature's or the score's PSI for the production model, read from --metrics-url, is above this, e.g. 0.25.",
            HelpName = "psi",
            CustomParser = result => OptionValues.Number(result, "--drift-above", 0, inclusive: false, 100, "a positive PSI, at most 100, e.g. 0.25"),
        };
        var metricsUrls = new Option<string[]>("--metrics-url")
        {
            Description = "A scorer's Prometheus endpoint to read drift from (fraudstream_feature_psi, fraudstream_score_psi); repeatable: the largest PSI counts.",
            HelpName = "url",
            DefaultValueFactory = _ => [],
        };
        var since = TrainingWindowOptions.CreateSince(DefaultWindow);
        var kafka = new KafkaSourceOptions();
        var training = new TrainingCommandOptions();
        var registry = ModelStores.CreateOption();

        var command = new Command(
            "retrain",
            "Check the retraining triggers (--every, --min-new-labels, --drift-above) and, when one fires, train on the last --since of the "
            + "Kafka topics, publish the model and make it the challenger (never production). One line per check says what fired and why.")
        {
            once, checkEvery, every, minNewLabels, driftAbove, metricsUrls, since, registry,
        };
        training.AddTo(command);
        foreach (var option in kafka.All)
        {
            command.Options.Add(option);
        }

        command.Validators.Add(result =>
        {
            var urls = result.GetValue(metricsUrls) ?? [];
            if (result.GetResult(every) is null && result.GetResult(minNewLabels) is null && result.GetResult(driftAbove) is null)
            {
                result.AddError("Give at least one trigger: --every (e.g. 7d), --min-new-labels (e.g. 10000) or --drift-above (e.g. 0.25) with --metrics-url.");
            }
            else if (result.GetResult(driftAbove) is not null && urls.Length == 0)
            {
                result.AddError("--drift-above needs --metrics-url, a scorer's Prometheus endpoint such as http://scorer:9464/metrics.");
            }
            else if (result.GetResult(driftAbove) is null && urls.Length > 0)
            {
                result.AddError("--metrics-url goes with --drift-above.");
            }
            else if (urls.FirstOrDefault(u => !Uri.TryCreate(u, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) is { } bad)
            {
                result.AddError($"--metrics-url '{bad}' is not an http(s) URL, e.g. http://scorer:9464/metrics.");
            }
        });
        command.SetAction(async (parseResult, cancellation) =>
        {
            TrainingOptions options;
            try
            {
                options = training.Build(parseResult);
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return CommandLineRunner.UsageError;
            }

            var time = TimeProvider.System;
            var source = kafka.Resolve(parseResult, time, out var error);
            if (source is null)
            {
                await Console.Error.WriteLineAsync(error);
                return CommandLineRunner.UsageError;
            }

            var registryLocation = ModelStores.Resolve(parseResult.GetValue(registry));
            ModelRegistry opened;
            try
            {
                opened = ModelStores.OpenRegistry(registryLocation, time);
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return CommandLineRunner.UsageError;
            }

            var settings = new RetrainTriggerSettings(parseResult.GetValue(every), parseResult.GetValue(minNewLabels), parseResult.GetValue(driftAbove));
            using var http = DriftProbe.CreateClient();
            var drift = new DriftProbe(http, [.. (parseResult.GetValue(metricsUrls) ?? []).Select(u => new Uri(u))]);
            var retraining = new Retraining(
                new RetrainTriggers(settings, opened, new KafkaLabelCounter(source, time), drift, time),
                opened, registryLocation, source, options, parseResult.GetValue(since) ?? DefaultWindow, time);
            return parseResult.GetValue(once)
                ? await retraining.CheckOnceAsync(cancellation)
                : await retraining.LoopAsync(parseResult.GetValue(checkEvery) ?? TimeSpan.FromHours(1));
        });
        return command;
    }

    /// <summary>One check of the triggers, and the retraining it may start.</summary>
    private sealed class Retraining(
        RetrainTriggers triggers, ModelRegistry registry, string registryLocation, KafkaTrainingSource source,
        TrainingOptions options, TimeSpan window, TimeProvider time)
    {
        /// <summary>Checks every <paramref name="interval"/> until SIGTERM or Ctrl+C (exit 0); a failed check is reported and the next one comes.</summary>
        public async Task<int> LoopAsync(TimeSpan interval)
        {
            using var termination = new TerminationSignal();
            try
            {
                while (true)
                {
                    await CheckOnceAsync(termination.Token);
                    await Task.Delay(interval, time, termination.Token);
                }
            }
            catch (OperationCanceledException) when (termination.Token.IsCancellationRequested)
            {
                return 0;
            }
        }

        /// <summary>Checks the triggers and retrains when one fires: 0, or 1 after one sentence when something failed.</summary>
        public async Task<int> CheckOnceAsync(CancellationToken cancellation)
        {
            IReadOnlyList<TriggerVerdict> verdicts;
            var checkedAt = time.GetUtcNow();
            try
            {
                verdicts = await triggers.CheckAsync(cancellation);
            }
            catch (Exception e) when (e is ModelRegistryException or TopicReadException)
            {
                await Console.Error.WriteLineAsync($"Could not check the triggers: {e.Message}");
                return 1;
            }

            var fired = verdicts.Where(v => v.Fired).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Check at {Core.Transactions.LabelledTransactionCsv.FormatTime(checkedAt)}: {string.Join("; ", verdicts)}."));
            if (fired.Count == 0)
            {
                Console.WriteLine("No trigger fired: nothing trained.");
                return 0;
            }

            var range = TrainingWindowOptions.Resolve(window, null, null, time);
            var (data, _) = await KafkaTrainingData.TryReadAsync(source, range, options.LabelDelay, time, cancellation);
            if (data is null)
            {
                return 1;
            }

            var (trained, _) = await TrainingRun.TrainAsync(options, data, time, refusedExitCode: 1, cancellation);
            if (trained is null)
            {
                return 1;
            }

            var version = trained.Metadata.Version;
            var reason = "retrain: " + string.Join("; ", fired.Select(v => $"{v.Trigger} ({v.Why})"));
            return await TrainingRun.PublishAsync(registry, registryLocation, trained, async () =>
            {
                var alias = await registry.ChallengeAsync(version, reason, cancellation);
                Console.WriteLine($"Challenger: {alias.Version}, scored in shadow beside production; promote it with `fraudstream models promote {version}` once it proves better.");
            }, cancellation);
        }
    }
}
