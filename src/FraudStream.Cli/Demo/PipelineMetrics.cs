using System.Globalization;

namespace FraudStream.Cli.Demo;

/// <summary>The scorer's counters the demo reports, read from its Prometheus text (/metrics); a counter not yet written is 0.</summary>
internal sealed record PipelineMetrics(long Scored, long Alerts, long DeadLettered, long Committed, long Aborted)
{
    /// <summary>Sums each counter over its labels (reasons).</summary>
    public static PipelineMetrics Parse(string scrape)
    {
        long scored = 0, alerts = 0, deadLettered = 0, committed = 0, aborted = 0;
        foreach (var line in scrape.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            if (space <= 0 || !double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var name = brace > 0 ? line[..brace] : line[..space];
            var count = (long)value;
            switch (name)
            {
                case "fraudstream_records_scored_total": scored += count; break;
                case "fraudstream_alerts_total": alerts += count; break;
                case "fraudstream_records_dead_lettered_total": deadLettered += count; break;
                case "fraudstream_transactions_committed_total": committed += count; break;
                case "fraudstream_transactions_aborted_total": aborted += count; break;
                default: break;
            }
        }

        return new PipelineMetrics(scored, alerts, deadLettered, committed, aborted);
    }
}
