using System.Globalization;
using System.Text;
using FraudStream.Core.Models;

namespace FraudStream.Training;

/// <summary>The short human report published beside a model (report.md).</summary>
public static class TrainingReport
{
    /// <summary>Renders <paramref name="m"/> as Markdown.</summary>
    public static string Write(ModelMetadata m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var c = CultureInfo.InvariantCulture;
        var d = m.TrainingData;
        var r = new StringBuilder();
        r.AppendLine(c, $"# Fraud model {m.Version}");
        r.AppendLine();
        r.AppendLine(c, $"Trained {m.CreatedAt:yyyy-MM-dd HH:mm:ss} UTC on `{d.Source}` (SHA-256 `{d.Sha256[..Math.Min(12, d.Sha256.Length)]}…`): {d.Rows:N0} transactions, " +
                        $"{d.FraudRate:P2} fraud, {d.From:yyyy-MM-dd} to {d.To:yyyy-MM-dd}, split by event time into " +
                        $"{d.TrainRows:N0} train / {d.ValidationRows:N0} validation / {d.TestRows:N0} test.");
        if (d.Window is { } window)
        {
            r.AppendLine();
            r.AppendLine(c, $"Read from Kafka for event times {window.From:yyyy-MM-dd HH:mm:ss} to {window.To:yyyy-MM-dd HH:mm:ss} UTC: {d.Labels}.");
        }

        r.AppendLine();
        r.AppendLine(c, $"Feature pipeline `{m.Pipeline.Version}` ({m.Pipeline.FeatureNames.Count} features); {m.BestIteration + 1} boosting rounds (early stopping on validation PR-AUC).");
        r.AppendLine(c, $"Alert threshold **{m.Threshold:0.####}** ({m.ThresholdRule}).");
        r.AppendLine();
        r.AppendLine("| split | rows | fraud | ROC-AUC | PR-AUC | precision | recall | F1 |");
        r.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, s) in new[] { ("validation", m.Metrics.Validation), ("test", m.Metrics.Test) })
        {
            r.AppendLine(c, $"| {name} | {s.Rows:N0} | {s.FraudRate:P2} | {s.RocAuc:0.0000} | {s.PrAuc:0.0000} | {s.Precision:0.0000} | {s.Recall:0.0000} | {s.F1:0.0000} |");
        }

        var t = m.Metrics.Test;
        r.AppendLine();
        r.AppendLine("Confusion matrix on test at the threshold:");
        r.AppendLine();
        r.AppendLine("| | alerted | not alerted |");
        r.AppendLine("|---|---:|---:|");
        r.AppendLine(c, $"| fraud | {t.TruePositives:N0} | {t.FalseNegatives:N0} |");
        r.AppendLine(c, $"| genuine | {t.FalsePositives:N0} | {t.TrueNegatives:N0} |");
        r.AppendLine();
        r.AppendLine("Feature importance (total gain):");
        r.AppendLine();
        var total = m.FeatureImportance.Values.Sum();
        foreach (var (feature, gain) in m.FeatureImportance.Take(10))
        {
            r.AppendLine(c, $"- {feature}: {(total > 0 ? gain / total : 0):P1}");
        }

        return r.ToString();
    }
}
