namespace FraudStream.XGBoost.Tests.Support;

/// <summary>Row-major float32 features with labels, as the scorer and the trainer hold them.</summary>
internal sealed record Dataset(float[] Features, float[] Labels, int Rows, int Columns)
{
    public static readonly string[] FeatureNames = ["amount_z", "velocity_1h", "distance_km", "merchant_risk", "hour_sin", "noise"];

    /// <summary>
    /// Deterministic, linearly separable classes with a margin around the boundary; a few NaNs (missing values) in
    /// two columns so the default branches are exercised.
    /// </summary>
    public static Dataset Separable(int rows, int seed)
    {
        var columns = FeatureNames.Length;
        var random = new Random(seed);
        var features = new float[rows * columns];
        var labels = new float[rows];
        var row = 0;
        Span<double> x = stackalloc double[columns];
        while (row < rows)
        {
            for (var c = 0; c < columns; c++)
            {
                x[c] = Normal(random);
            }

            var z = (1.5 * x[0]) - x[1] + (0.5 * x[2]);
            if (Math.Abs(z) < 0.5)
            {
                continue;
            }

            labels[row] = z > 0 ? 1f : 0f;
            for (var c = 0; c < columns; c++)
            {
                features[(row * columns) + c] = (float)x[c];
            }

            if (random.NextDouble() < 0.03)
            {
                features[(row * columns) + 3] = float.NaN;
            }

            if (random.NextDouble() < 0.03)
            {
                features[(row * columns) + 5] = float.NaN;
            }

            row++;
        }

        return new Dataset(features, labels, rows, columns);
    }

    /// <summary>The first <paramref name="count"/> rows.</summary>
    public Dataset Take(int count) =>
        new(Features[..(count * Columns)], Labels[..count], count, Columns);

    public ReadOnlySpan<float> Row(int row) => Features.AsSpan(row * Columns, Columns);

    // Box–Muller: System.Random has no normal distribution.
    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
