using System.Globalization;

namespace FraudStream.XGBoost;

/// <summary>One round's evaluation metrics, keyed "set-metric" (e.g. "validation-aucpr"), parsed from XGBoost's evaluation line.</summary>
/// <param name="Iteration">The boosting round evaluated.</param>
/// <param name="Metrics">Metric values keyed "set-metric".</param>
public sealed record EvaluationResult(int Iteration, IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>The value of one "set-metric".</summary>
    /// <exception cref="KeyNotFoundException">The evaluation has no such metric; the message lists those it has.</exception>
    public double this[string name] =>
        Metrics.TryGetValue(name, out var value)
            ? value
            : throw new KeyNotFoundException(
                $"The evaluation has no metric '{name}'; it has {string.Join(", ", Metrics.Keys.Select(k => $"'{k}'"))}. "
                + "Check the evaluation set's name and the eval_metric parameter.");

    /// <summary>Parses XGBoost's "[round]\tset-metric:value\t..." line, as <see cref="Booster.EvaluateOneIteration"/> returns it.</summary>
    /// <exception cref="FormatException">The text is not an XGBoost evaluation line.</exception>
    public static EvaluationResult Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Trim().Split('\t', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || !parts[0].StartsWith('[') || !parts[0].EndsWith(']')
            || !int.TryParse(parts[0].AsSpan(1, parts[0].Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var iteration))
        {
            throw new FormatException($"'{text}' is not an XGBoost evaluation line: it should start with '[round]'.");
        }

        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var part in parts.AsSpan(1))
        {
            var colon = part.LastIndexOf(':');
            if (colon <= 0 || !TryParseValue(part.AsSpan(colon + 1), out var value))
            {
                throw new FormatException($"'{part}' in '{text}' is not 'set-metric:value'.");
            }

            metrics[part[..colon]] = value;
        }

        return new EvaluationResult(iteration, metrics);
    }

    // XGBoost prints through std::ostream, which writes "nan", "-nan", "inf" and "-inf".
    private static bool TryParseValue(ReadOnlySpan<char> text, out double value)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        value = text switch
        {
            "nan" or "-nan" => double.NaN,
            "inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            _ => 0,
        };
        return text is "nan" or "-nan" or "inf" or "-inf";
    }
}
