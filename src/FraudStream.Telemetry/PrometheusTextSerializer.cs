using System.Collections;
using System.Globalization;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace FraudStream.Telemetry;

/// <summary>Renders a batch of OpenTelemetry metrics in Prometheus text exposition format 0.0.4.</summary>
internal static class PrometheusTextSerializer
{
    private const string CounterSuffix = "_total";

    /// <summary>Renders every metric of <paramref name="batch"/>, one HELP and TYPE per family (rules: <see cref="PrometheusScrapeHandler"/>).</summary>
    public static string Serialize(in Batch<Metric> batch)
    {
        var byName = new Dictionary<string, MetricFamily>(StringComparer.Ordinal);
        var families = new List<MetricFamily>();

        foreach (var metric in batch)
        {
            var type = PrometheusType(metric.MetricType);
            if (type is null)
            {
                continue;
            }

            var name = FamilyName(metric.Name, type);
            if (!byName.TryGetValue(name, out var family))
            {
                family = new MetricFamily(name, type, metric.Description);
                byName.Add(name, family);
                families.Add(family);
            }
            else if (family.Type != type)
            {
                continue;
            }

            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var labels = FormatLabels(point.Tags);
                if (family.Series.Add(labels))
                {
                    WriteSamples(family, metric.MetricType, labels, in point);
                }
            }
        }

        var text = new StringBuilder();
        foreach (var family in families)
        {
            // A family without series (e.g. an observable gauge that reported nothing) says nothing a scraper can use.
            if (family.Series.Count == 0)
            {
                continue;
            }

            // Written with the name as sampled (counters included): the 0.0.4 parser matches samples to
            // families by exact name, so `# TYPE x counter` over `x_total` would leave x_total untyped.
            if (!string.IsNullOrEmpty(family.Help))
            {
                text.Append("# HELP ").Append(family.Name).Append(' ');
                AppendEscapedHelp(text, family.Help);
                text.Append('\n');
            }

            text.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Type).Append('\n');
            text.Append(family.Samples);
        }

        return text.ToString();
    }

    private static string? PrometheusType(MetricType type) => type switch
    {
        MetricType.LongSum or MetricType.DoubleSum => "counter",
        MetricType.LongSumNonMonotonic or MetricType.DoubleSumNonMonotonic => "gauge",
        MetricType.LongGauge or MetricType.DoubleGauge => "gauge",
        MetricType.Histogram => "histogram",
        _ => null,
    };

    private static string FamilyName(string instrumentName, string type)
    {
        var name = SanitizeMetricName(instrumentName);
        return type == "counter" && !name.EndsWith(CounterSuffix, StringComparison.Ordinal) ? name + CounterSuffix : name;
    }

    private static void WriteSamples(MetricFamily family, MetricType type, string labels, in MetricPoint point)
    {
        var samples = family.Samples;
        switch (type)
        {
            case MetricType.LongSum or MetricType.LongSumNonMonotonic:
                AppendSample(samples, family.Name, labels, FormatLong(point.GetSumLong()));
                break;
            case MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic:
                AppendSample(samples, family.Name, labels, FormatDouble(point.GetSumDouble()));
                break;
            case MetricType.LongGauge:
                AppendSample(samples, family.Name, labels, FormatLong(point.GetGaugeLastValueLong()));
                break;
            case MetricType.DoubleGauge:
                AppendSample(samples, family.Name, labels, FormatDouble(point.GetGaugeLastValueDouble()));
                break;
            case MetricType.Histogram:
                WriteHistogram(samples, family.Name, labels, in point);
                break;
            default:
                break;
        }
    }

    private static void WriteHistogram(StringBuilder samples, string name, string labels, in MetricPoint point)
    {
        var bucketName = name + "_bucket";
        var labelsAndLe = labels.Length == 0 ? "le=\"" : labels + ",le=\"";
        var count = point.GetHistogramCount();

        // OpenTelemetry counts per bucket; Prometheus buckets count everything at or below their bound.
        long cumulative = 0;
        var wroteInfinity = false;
        foreach (var bucket in point.GetHistogramBuckets())
        {
            cumulative += bucket.BucketCount;
            wroteInfinity = double.IsPositiveInfinity(bucket.ExplicitBound);
            AppendSample(samples, bucketName, labelsAndLe + FormatDouble(bucket.ExplicitBound) + "\"", FormatLong(cumulative));
        }

        // A histogram aggregated without buckets still owes Prometheus its +Inf bucket.
        if (!wroteInfinity)
        {
            AppendSample(samples, bucketName, labelsAndLe + "+Inf\"", FormatLong(count));
        }

        AppendSample(samples, name + "_sum", labels, FormatDouble(point.GetHistogramSum()));
        AppendSample(samples, name + "_count", labels, FormatLong(count));
    }

    private static void AppendSample(StringBuilder samples, string name, string labels, string value)
    {
        samples.Append(name);
        if (labels.Length > 0)
        {
            samples.Append('{').Append(labels).Append('}');
        }

        samples.Append(' ').Append(value).Append('\n');
    }

    /// <summary>Formats tags as <c>a="x",b="y"</c>, sorted by label name; tags whose keys sanitise alike are joined with ';'.</summary>
    private static string FormatLabels(ReadOnlyTagCollection tags)
    {
        if (tags.Count == 0)
        {
            return string.Empty;
        }

        var labels = new List<(string Name, string Key, string Value)>(tags.Count);
        foreach (var tag in tags)
        {
            if (!string.IsNullOrEmpty(tag.Key))
            {
                labels.Add((SanitizeLabelName(tag.Key), tag.Key, FormatTagValue(tag.Value)));
            }
        }

        labels.Sort(static (a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Key, b.Key);
        });

        var text = new StringBuilder();
        for (var i = 0; i < labels.Count; i++)
        {
            var (name, _, value) = labels[i];
            if (i > 0 && labels[i - 1].Name == name)
            {
                // Same label after sanitising (e.g. "a.b" and "a_b"): one label, values in key order.
                text.Length--;
                text.Append(';');
            }
            else
            {
                if (i > 0)
                {
                    text.Append(',');
                }

                text.Append(name).Append("=\"");
            }

            AppendEscapedLabelValue(text, value);
            text.Append('"');
        }

        return text.ToString();
    }

    private static string FormatTagValue(object? value) => value switch
    {
        null => string.Empty,
        string text => text,
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => "[" + string.Join(",", items.Cast<object?>().Select(FormatTagValue)) + "]",
        _ => value.ToString() ?? string.Empty,
    };

    private static string FormatLong(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string FormatDouble(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+Inf" : "-Inf";
        }

        // Shortest round-trip form: whole numbers print without a decimal point.
        return value.ToString("R", CultureInfo.InvariantCulture);
    }

    private static string SanitizeMetricName(string name) => Sanitize(name, allowColon: true);

    private static string SanitizeLabelName(string name) => Sanitize(name, allowColon: false);

    private static string Sanitize(string name, bool allowColon)
    {
        static bool IsValid(char c, bool first, bool allowColon) =>
            char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':') || (!first && char.IsAsciiDigit(c));

        var valid = name.Length > 0;
        for (var i = 0; i < name.Length && valid; i++)
        {
            valid = IsValid(name[i], i == 0, allowColon);
        }

        if (valid)
        {
            return name;
        }

        var text = new StringBuilder(name.Length + 1);
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            text.Append('_');
        }

        foreach (var c in name)
        {
            text.Append(IsValid(c, first: false, allowColon) ? c : '_');
        }

        return text.ToString();
    }

    private static void AppendEscapedHelp(StringBuilder text, string help)
    {
        foreach (var c in help)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '\n' => text.Append(@"\n"),
                _ => text.Append(c),
            };
        }
    }

    private static void AppendEscapedLabelValue(StringBuilder text, string value)
    {
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '"' => text.Append("\\\""),
                '\n' => text.Append(@"\n"),
                _ => text.Append(c),
            };
        }
    }

    /// <summary>One Prometheus metric family being assembled from one or more OpenTelemetry metrics.</summary>
    private sealed class MetricFamily(string name, string type, string? help)
    {
        public string Name { get; } = name;

        public string Type { get; } = type;

        public string? Help { get; } = help;

        /// <summary>Label sets already written, so that no series appears twice.</summary>
        public HashSet<string> Series { get; } = new(StringComparer.Ordinal);

        public StringBuilder Samples { get; } = new();
    }
}
