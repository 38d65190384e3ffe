using System.Text.RegularExpressions;

namespace FraudStream.Deploy.Tests;

/// <summary>
/// The Prometheus metric names FraudStream exports, derived from the code: every instrument name passed to a
/// Meter's Create* in src/**/*.cs, with the exporter's suffixes (counters get _total; histograms export
/// _bucket, _sum and _count; gauges and up-down counters keep their name).
/// </summary>
internal static partial class ExportedMetrics
{
    private static readonly Lazy<IReadOnlySet<string>> s_fromSource = new(() => FromSource(Repo.PathOf("src")));

    public static IReadOnlySet<string> All => s_fromSource.Value;

    [GeneratedRegex(@"\.Create(?<kind>ObservableUpDownCounter|ObservableCounter|ObservableGauge|UpDownCounter|Counter|Histogram|Gauge)\s*(?:<[^<>()]*>)?\s*\(\s*""(?<name>[A-Za-z_:][A-Za-z0-9_:]*)""")]
    private static partial Regex Instrument();

    /// <summary>An instrument created with a unit: its name and the unit (up to the end of the statement).</summary>
    [GeneratedRegex(@"\.Create(?:ObservableUpDownCounter|ObservableCounter|ObservableGauge|UpDownCounter|Counter|Histogram|Gauge)\s*(?:<[^<>()]*>)?\s*\(\s*""(?<name>[A-Za-z_:][A-Za-z0-9_:]*)""[^;]*?\bunit:\s*""(?<unit>[^""]*)""")]
    private static partial Regex InstrumentWithUnit();

    /// <summary>
    /// The name suffix OpenTelemetry's Prometheus exporter appends for a unit (UCUM) unless the name already ends with it;
    /// null for a unit this scan does not know.
    /// </summary>
    public static string? UnitSuffix(string unit) => unit switch
    {
        "By" => "_bytes",
        "s" => "_seconds",
        "ms" => "_milliseconds",
        "1" => "_ratio",
        _ => null,
    };

    /// <summary>The instruments of one piece of C# that carry a unit, with that unit.</summary>
    public static IEnumerable<(string Name, string Unit)> UnitsIn(string code) =>
        InstrumentWithUnit().Matches(code).Select(m => (m.Groups["name"].Value, m.Groups["unit"].Value));

    /// <summary>Every instrument under src that carries a unit.</summary>
    public static IReadOnlyList<(string Name, string Unit)> UnitsInSource() =>
        [.. Directory.EnumerateFiles(Repo.PathOf("src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal))
            .SelectMany(f => UnitsIn(File.ReadAllText(f)))];

    [GeneratedRegex(@"\bfraudstream_[A-Za-z0-9_]+")]
    private static partial Regex Referenced();

    /// <summary>Scans every .cs file under <paramref name="sourceRoot"/> (bin and obj excluded).</summary>
    public static IReadOnlySet<string> FromSource(string sourceRoot)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(sourceRoot, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(sourceRoot, file).Replace('\\', '/');
            if (relative.Contains("/bin/", StringComparison.Ordinal) || relative.Contains("/obj/", StringComparison.Ordinal))
            {
                continue;
            }

            names.UnionWith(FromCode(File.ReadAllText(file)));
        }

        return names;
    }

    /// <summary>The exported names of the instruments created in one piece of C#.</summary>
    public static IEnumerable<string> FromCode(string code)
    {
        foreach (Match match in Instrument().Matches(code))
        {
            var name = match.Groups["name"].Value;
            switch (match.Groups["kind"].Value)
            {
                case "Counter" or "ObservableCounter":
                    yield return name.EndsWith("_total", StringComparison.Ordinal) ? name : name + "_total"; // as the exporter names it
                    break;
                case "Histogram":
                    yield return name + "_bucket";
                    yield return name + "_sum";
                    yield return name + "_count";
                    break;
                default:
                    yield return name;
                    break;
            }
        }
    }

    /// <summary>The fraudstream_* identifiers a PromQL expression uses.</summary>
    public static IEnumerable<string> ReferencedBy(string expression) =>
        Referenced().Matches(expression).Select(m => m.Value).Distinct(StringComparer.Ordinal);

    /// <summary>The fraudstream_* names in <paramref name="expressions"/> that the code does not export, with where they occur.</summary>
    public static IReadOnlyList<string> Unknown(IEnumerable<(string Where, string Expression)> expressions, IReadOnlySet<string> exported) =>
        [.. expressions
            .SelectMany(e => ReferencedBy(e.Expression).Where(name => !exported.Contains(name)).Select(name => $"{name} (in {e.Where})"))
            .Distinct(StringComparer.Ordinal)];
}
