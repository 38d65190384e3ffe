using System.Globalization;

namespace FraudStream.Cli.Demo;

/// <summary>What `fraudstream loadgen` reported in its summary: records sent and acknowledged, its rate, the end-to-end and produce-ack latencies.</summary>
internal sealed record LoadReport(long Sent, long Acknowledged, string AchievedRate, string EndToEnd, string Acknowledgement)
{
    /// <summary>Reads the summary lines ("Sent:   1,234 records ...", "End-to-end latency:  p50 ..."); what is missing reads as 0 or "not reported".</summary>
    public static LoadReport From(IEnumerable<string> lines)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                fields.TryAdd(line[..colon], line[(colon + 1)..].Trim());
            }
        }

        return new LoadReport(
            LeadingCount(fields.GetValueOrDefault("Sent")),
            LeadingCount(fields.GetValueOrDefault("Acknowledged")),
            fields.GetValueOrDefault("Achieved rate") ?? "not reported",
            fields.GetValueOrDefault("End-to-end latency") ?? "not reported",
            fields.GetValueOrDefault("Produce-ack latency") ?? "not reported");
    }

    /// <summary>The number a field starts with, e.g. 1234 from "1,234 records to 'transactions'".</summary>
    private static long LeadingCount(string? field)
    {
        var number = (field ?? "").Split(' ')[0];
        return long.TryParse(number, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var value) ? value : 0;
    }
}
