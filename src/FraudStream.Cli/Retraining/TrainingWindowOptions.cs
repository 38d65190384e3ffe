using System.CommandLine;
using System.CommandLine.Parsing;
using FraudStream.Cli.Traffic;
using FraudStream.Core.Models;
using FraudStream.Core.Transactions;

namespace FraudStream.Cli.Retraining;

/// <summary>The event-time window training reads from Kafka: <c>--since</c> (up to now) or <c>--from</c> [<c>--to</c>].</summary>
internal sealed class TrainingWindowOptions
{
    private readonly Option<TimeSpan?> _since = CreateSince(defaultValue: null);

    private readonly Option<DateTimeOffset?> _from = TimeOption("--from", "The window's start (inclusive), e.g. 2026-11-01T00:00:00Z.");

    private readonly Option<DateTimeOffset?> _to = TimeOption("--to", "The window's end (exclusive; default: now): labels count only when known before it.");

    /// <summary>Every option, to add to a command or to check which were given.</summary>
    public IReadOnlyList<Option> All => [_since, _from, _to];

    /// <summary>A <c>--since</c> option: the window is the last this long, up to now.</summary>
    public static Option<TimeSpan?> CreateSince(TimeSpan? defaultValue) =>
        OptionValues.DurationOption("--since", "Train on the transactions of the last this long, up to now, e.g. 30d.", defaultValue);

    /// <summary>Adds the errors of a window that cannot work to <paramref name="result"/>.</summary>
    public void Validate(CommandResult result)
    {
        // Only what was given is looked at here: a value its parser refused has its own error already.
        var since = result.GetResult(_since) is not null;
        var from = result.GetResult(_from) is not null;
        var to = result.GetResult(_to) is not null;
        if (since && from)
        {
            result.AddError("Give --since or --from, not both.");
        }
        else if (!since && !from)
        {
            result.AddError("--from-kafka needs a window: --since (e.g. 30d) or --from (and --to).");
        }
        else if (to && !from)
        {
            result.AddError("--to goes with --from.");
        }
        else if (Given(result, _from) is { } start && Given(result, _to) is { } end && end <= start)
        {
            result.AddError("--to must be after --from.");
        }
    }

    private static DateTimeOffset? Given(CommandResult result, Option<DateTimeOffset?> option) =>
        result.GetResult(option) is { Tokens: [.., var last] } && EventTime.TryParse(last.Value, out var time) ? time : null;

    /// <summary>The window the command line gives, ending now when it names no end; times to the millisecond, as Kafka keeps them.</summary>
    public TimeRange Resolve(ParseResult parseResult, TimeProvider time) =>
        Resolve(parseResult.GetValue(_since), parseResult.GetValue(_from), parseResult.GetValue(_to), time);

    /// <summary>[now − <paramref name="since"/>, now), or [<paramref name="from"/>, <paramref name="to"/> or now).</summary>
    public static TimeRange Resolve(TimeSpan? since, DateTimeOffset? from, DateTimeOffset? to, TimeProvider time)
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
        return since is { } length ? new TimeRange(now - length, now) : new TimeRange(from!.Value, to ?? now);
    }

    private static Option<DateTimeOffset?> TimeOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "time",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (EventTime.TryParse(text, out var time))
            {
                return time;
            }

            result.AddError($"{name} must {EventTime.Rule}, not '{text}'.");
            return null;
        },
    };
}
