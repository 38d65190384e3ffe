using System.Text.Json;

namespace FraudStream.XGBoost.Tests.Support;

/// <summary>
/// Rows that sit where a tree evaluator can go wrong: each split's feature exactly on its threshold and one float
/// either side, NaN (missing) in every column, infinities, negative zero.
/// </summary>
internal static class EdgeRows
{
    /// <summary>Every split threshold of a JSON model, with the feature it splits on.</summary>
    public static List<(int Feature, float Threshold)> Thresholds(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var booster = document.RootElement.GetProperty("learner").GetProperty("gradient_booster");
        var model = booster.GetProperty("name").GetString() == "dart"
            ? booster.GetProperty("gbtree").GetProperty("model")
            : booster.GetProperty("model");
        var splits = new List<(int, float)>();
        foreach (var tree in model.GetProperty("trees").EnumerateArray())
        {
            var left = tree.GetProperty("left_children").EnumerateArray().Select(v => v.GetInt32()).ToArray();
            var features = tree.GetProperty("split_indices").EnumerateArray().Select(v => v.GetInt32()).ToArray();
            var conditions = tree.GetProperty("split_conditions").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            for (var node = 0; node < left.Length; node++)
            {
                if (left[node] != -1)
                {
                    splits.Add((features[node], conditions[node]));
                }
            }
        }

        return splits;
    }

    /// <summary>
    /// The <paramref name="data"/> rows, then for each threshold three copies of a data row with that feature set to
    /// the threshold, the float below and the float above, then rows with NaN, ±∞ and -0 in each column, and a row
    /// of NaN only.
    /// </summary>
    public static Dataset Around(Dataset data, IReadOnlyList<(int Feature, float Threshold)> thresholds)
    {
        var columns = data.Columns;
        var rows = new List<float[]>();
        for (var i = 0; i < data.Rows; i++)
        {
            rows.Add(data.Row(i).ToArray());
        }

        for (var i = 0; i < thresholds.Count; i++)
        {
            var (feature, threshold) = thresholds[i];
            foreach (var value in (ReadOnlySpan<float>)[threshold, MathF.BitDecrement(threshold), MathF.BitIncrement(threshold)])
            {
                var row = data.Row(i % data.Rows).ToArray();
                row[feature] = value;
                rows.Add(row);
            }
        }

        for (var column = 0; column < columns; column++)
        {
            foreach (var value in (ReadOnlySpan<float>)[float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f])
            {
                var row = data.Row(column % data.Rows).ToArray();
                row[column] = value;
                rows.Add(row);
            }
        }

        rows.Add(Enumerable.Repeat(float.NaN, columns).ToArray());
        return new Dataset([.. rows.SelectMany(r => r)], new float[rows.Count], rows.Count, columns);
    }
}
