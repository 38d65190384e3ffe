using System.CommandLine;
using FraudStream.Cli.Hosting;
using FraudStream.Cli.Traffic;
using FraudStream.Core.Features.History;
using FraudStream.Training;

namespace FraudStream.Cli.Verbs;

/// <summary>The options of how a model is trained, the same for <c>train</c> and <c>retrain</c>.</summary>
internal sealed class TrainingCommandOptions
{
    private readonly Option<string[]> _parameters = new("--param")
    {
        Description = "An XGBoost parameter as name=value, e.g. max_depth=8; repeatable.",
        HelpName = "name=value",
        DefaultValueFactory = _ => [],
    };

    private readonly Option<int> _maxRounds = new("--max-rounds") { Description = "Most boosting rounds.", DefaultValueFactory = _ => 500 };
    private readonly Option<int> _patience = new("--early-stopping") { Description = "Stop after this many rounds without a better validation PR-AUC.", DefaultValueFactory = _ => 30 };
    private readonly Option<double?> _targetPrecision = new("--target-precision") { Description = "Choose the lowest threshold with at least this precision on validation (default: best F1)." };
    private readonly Option<int> _threads = new("--threads") { Description = "XGBoost threads.", DefaultValueFactory = _ => 2 };

    private readonly Option<TimeSpan?> _labelDelay = LabelDelayOption.Create(
        "When a row's label becomes known, for rows without a label_time: this long after the transaction, e.g. 7d, 36h, 90m. "
        + "From Kafka: how long a label may take; a transaction with no label after this long is genuine, a more recent one is not trained on.");

    private readonly Option<TimeSpan?> _lateness = OptionValues.DurationOption(
        "--lateness",
        "How late a transaction may come and still enter its card's history; scorers serving the model must keep Scorer:HistoryLateness the same.",
        HistorySettings.Default.Lateness);

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _parameters, _maxRounds, _patience, _targetPrecision, _threads, _labelDelay, _lateness })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The training options the command line gives; throws <see cref="ArgumentException"/> with one sentence when they cannot work.</summary>
    public TrainingOptions Build(ParseResult parseResult)
    {
        var options = new TrainingOptions
        {
            Parameters = ParseParameters(parseResult.GetValue(_parameters) ?? []),
            MaxRounds = parseResult.GetValue(_maxRounds),
            EarlyStoppingRounds = parseResult.GetValue(_patience),
            TargetPrecision = parseResult.GetValue(_targetPrecision),
            Threads = parseResult.GetValue(_threads),
            LabelDelay = parseResult.GetValue(_labelDelay) ?? TrainingOptions.DefaultLabelDelay,
            History = new HistorySettings { Lateness = parseResult.GetValue(_lateness) ?? HistorySettings.Default.Lateness },
        };
        options.Validate();
        return options;
    }

    private static Dictionary<string, string> ParseParameters(string[] pairs)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var separator = pair.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0 || separator == pair.Length - 1)
            {
                throw new ArgumentException($"--param '{pair}' is not name=value, e.g. max_depth=8.");
            }

            parameters[pair[..separator]] = pair[(separator + 1)..];
        }

        return parameters;
    }
}
