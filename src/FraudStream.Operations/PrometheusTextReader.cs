using System.Globalization;
using System.Text;

namespace FraudStream.Operations;

/// <summary>One sample of a Prometheus scrape: the metric's name, its labels and its value.</summary>
/// <param name="Name">Metric name, e.g. fraudstream_score_psi.</param>
/// <param name="Labels">Label names to values (unescaped).</param>
/// <param name="Value">The value (NaN and ±Inf as given).</param>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// Reads the samples of a scrape in Prometheus text exposition format 0.0.4, what this repository's own endpoints and
/// every Prometheus client write. Comments (HELP, TYPE) are skipped, and so is a line that is not a sample: a reader
/// of another process's metrics takes what it can use rather than failing on one line it cannot.
/// </summary>
public static class PrometheusTextReader
{
    /// <summary>The samples of <paramref name="text"/>, in order.</summary>
    public static IEnumerable<PrometheusSample> Read(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.TrimEnd('\r').Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                continue;
            }

            if (TryParse(trimmed, out var sample))
            {
                yield return sample;
            }
        }
    }

    /// <summary>Reads one sample line: <c>name{label="value",...} value [timestamp]</c>.</summary>
    public static bool TryParse(string line, out PrometheusSample sample)
    {
        ArgumentNullException.ThrowIfNull(line);
        sample = null!;
        var i = 0;
        while (i < line.Length && IsNameChar(line[i], first: i == 0))
        {
            i++;
        }

        if (i == 0)
        {
            return false;
        }

        var name = line[..i];
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{' && !TryParseLabels(line, ref i, labels))
        {
            return false;
        }

        // The value, then an optional timestamp.
        var rest = line[i..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length is < 1 or > 2 || !TryParseValue(rest[0], out var value))
        {
            return false;
        }

        sample = new PrometheusSample(name, labels, value);
        return true;
    }

    private static bool TryParseLabels(string line, ref int i, Dictionary<string, string> labels)
    {
        i++; // '{'
        while (true)
        {
            while (i < line.Length && line[i] is ' ' or ',')
            {
                i++;
            }

            if (i < line.Length && line[i] == '}')
            {
                i++;
                return true;
            }

            var start = i;
            while (i < line.Length && IsNameChar(line[i], first: i == start))
            {
                i++;
            }

            if (i == start || i + 1 >= line.Length || line[i] != '=' || line[i + 1] != '"')
            {
                return false;
            }

            var label = line[start..i];
            i += 2;
            var value = new StringBuilder();
            while (i < line.Length && line[i] != '"')
            {
                if (line[i] == '\\' && i + 1 < line.Length)
                {
                    i++;
                    value.Append(line[i] == 'n' ? '\n' : line[i]);
                }
                else
                {
                    value.Append(line[i]);
                }

                i++;
            }

            if (i >= line.Length)
            {
                return false; // unterminated value
            }

            i++; // closing quote
            labels[label] = value.ToString();
        }
    }

    private static bool TryParseValue(string text, out double value)
    {
        switch (text)
        {
            case "+Inf" or "Inf":
                value = double.PositiveInfinity;
                return true;
            case "-Inf":
                value = double.NegativeInfinity;
                return true;
            case "NaN":
                value = double.NaN;
                return true;
            default:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }

    private static bool IsNameChar(char c, bool first) =>
        char.IsAsciiLetter(c) || c is '_' or ':' || (!first && char.IsAsciiDigit(c));
}
