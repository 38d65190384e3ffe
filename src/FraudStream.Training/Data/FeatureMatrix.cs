using FraudStream.Core.Features;
using FraudStream.Core.Features.History;
using FraudStream.Core.Transactions;

namespace FraudStream.Training.Data;

/// <summary>Labelled rows as the model sees them: row-major features from the feature pipeline, and 0/1 labels.</summary>
public sealed class FeatureMatrix
{
    private FeatureMatrix(float[] features, float[] labels, int columns, DateTimeOffset from, DateTimeOffset to)
    {
        Features = features;
        Labels = labels;
        Columns = columns;
        From = from;
        To = to;
    }

    /// <summary>Rows × <see cref="Columns"/> floats, row-major.</summary>
    public float[] Features { get; }

    /// <summary>1 for fraud, 0 for genuine, one per row.</summary>
    public float[] Labels { get; }

    /// <summary>Features per row.</summary>
    public int Columns { get; }

    /// <summary>Number of rows.</summary>
    public int Rows => Labels.Length;

    /// <summary>Share of fraud rows.</summary>
    public double FraudRate => Rows == 0 ? 0 : Labels.Count(l => l > 0.5f) / (double)Rows;

    /// <summary>Earliest event time.</summary>
    public DateTimeOffset From { get; }

    /// <summary>Latest event time.</summary>
    public DateTimeOffset To { get; }

    /// <summary>
    /// Runs <paramref name="pipeline"/> over <paramref name="rows"/>, whose history features are <paramref name="history"/>
    /// (<see cref="HistoryFeatures.Count"/> per row, as <see cref="HistoryReplay"/> computes them; empty: missing).
    /// </summary>
    public static FeatureMatrix Build(FeaturePipeline pipeline, IReadOnlyList<LabelledTransaction> rows, ReadOnlySpan<float> history)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(rows);
        var features = new float[rows.Count * pipeline.FeatureCount];
        var labels = new float[rows.Count];
        var h = HistoryFeatures.Count;
        for (var i = 0; i < rows.Count; i++)
        {
            pipeline.Extract(
                rows[i].Transaction, history.IsEmpty ? [] : history.Slice(i * h, h), features.AsSpan(i * pipeline.FeatureCount, pipeline.FeatureCount));
            labels[i] = rows[i].IsFraud ? 1 : 0;
        }

        var from = rows.Count > 0 ? rows.Min(r => r.Transaction.EventTime) : default;
        var to = rows.Count > 0 ? rows.Max(r => r.Transaction.EventTime) : default;
        return new FeatureMatrix(features, labels, pipeline.FeatureCount, from, to);
    }
}
