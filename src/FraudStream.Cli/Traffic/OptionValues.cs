using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace FraudStream.Cli.Traffic;

/// <summary>Parsers for the traffic verbs' numbers, so a bad value is a usage error that names the option, not an exception.</summary>
internal static class OptionValues
{
    /// <summary>A whole number from 1 up.</summary>
    public static int PositiveCount(ArgumentResult result, string option)
    {
        var text = LastToken(result);
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= 1)
        {
            return value;
        }

        result.AddError($"{option} must be a whole number from 1 to {int.MaxValue}, not '{text}'.");
        return 0;
    }

    /// <summary>
    /// A number above <paramref name="minimum"/> (or equal to it when <paramref name="inclusive"/>) and at most
    /// <paramref name="maximum"/>: unbounded, 1e300 seconds overflowed a TimeSpan and a rate that high starved the machine.
    /// </summary>
    public static double Number(ArgumentResult result, string option, double minimum, bool inclusive, double maximum, string what)
    {
        var text = LastToken(result);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            && (inclusive ? value >= minimum : value > minimum) && value <= maximum)
        {
            return value;
        }

        result.AddError($"{option} must be {what}, not '{text}'.");
        return minimum;
    }

    /// <summary>A positive duration: seconds ("30"), or with a unit ("500ms", "30s", "5m", "1h", "7d").</summary>
    public static TimeSpan? Duration(ArgumentResult result, string option)
    {
        var text = LastToken(result).Trim();
        var (number, unit) =
            text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], TimeSpan.FromMilliseconds(1))
            : text.EndsWith('s') || text.EndsWith('S') ? (text[..^1], TimeSpan.FromSeconds(1))
            : text.EndsWith('m') || text.EndsWith('M') ? (text[..^1], TimeSpan.FromMinutes(1))
            : text.EndsWith('h') || text.EndsWith('H') ? (text[..^1], TimeSpan.FromHours(1))
            : text.EndsWith('d') || text.EndsWith('D') ? (text[..^1], TimeSpan.FromDays(1))
            : (text, TimeSpan.FromSeconds(1));
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            && double.IsFinite(value) && value > 0 && value * unit.TotalDays < 365)
        {
            return value * unit;
        }

        result.AddError($"{option} must be a positive duration such as 30, 30s, 500ms, 5m, 1h or 7d, not '{text}'.");
        return null;
    }

    /// <summary>An option whose value is a <see cref="Duration"/>, with <paramref name="defaultValue"/> when it has one.</summary>
    public static Option<TimeSpan?> DurationOption(string name, string description, TimeSpan? defaultValue = null)
    {
        var option = new Option<TimeSpan?>(name)
        {
            Description = description,
            HelpName = "time",
            CustomParser = result => Duration(result, name),
        };
        if (defaultValue is { } value)
        {
            option.DefaultValueFactory = _ => value;
        }

        return option;
    }

    /// <summary>An option whose value is a <see cref="PositiveCount"/>.</summary>
    public static Option<int?> PositiveCountOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "n",
        CustomParser = result => PositiveCount(result, name),
    };

    /// <summary>A producer's linger.ms, 0 to 1,000 ms; null when not given (the verb chooses).</summary>
    public static Option<double?> LingerOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "ms",
        CustomParser = result => Number(result, name, 0, inclusive: true, 1_000, "a number of milliseconds from 0 to 1000"),
    };

    private static string LastToken(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
}
