using FraudStream.XGBoost.Native;

namespace FraudStream.XGBoost;

/// <summary>Booster's predictions: in place from dense spans (the hot path), from a DMatrix, and feature contributions.</summary>
public sealed partial class Booster
{
    /// <summary>
    /// Scores a batch straight from row-major features, without copying them (XGBoost's in-place prediction):
    /// the scorer's hot path. Allocates nothing per call.
    /// </summary>
    /// <param name="features">rows × columns values, row after row; NaN (and <paramref name="missing"/>) mark a missing feature.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="columns">Number of columns; must equal <see cref="FeatureCount"/>.</param>
    /// <param name="scores">Receives one value per row (one per row and class for a multi-class model).</param>
    /// <param name="missing">The value that marks a missing feature besides NaN.</param>
    /// <param name="iterationEnd">Use trees of rounds [0, iterationEnd) only, e.g. best round + 1 after early stopping; 0 = all.</param>
    /// <returns>Number of values written to <paramref name="scores"/>.</returns>
    /// <exception cref="ArgumentException">The span lengths do not match rows and columns.</exception>
    /// <exception cref="XGBoostException">XGBoost refused, e.g. columns differ from the model's features or iterationEnd exceeds its rounds.</exception>
    public int PredictDense(
        ReadOnlySpan<float> features, int rows, int columns, Span<float> scores, float missing = float.NaN, int iterationEnd = 0) =>
        PredictInPlace(PredictionKind.Value, features, rows, columns, scores, nameof(scores), missing, iterationEnd);

    /// <summary>As <see cref="PredictDense"/>, but the raw margin (log-odds for binary:logistic) before the objective's transformation.</summary>
    public int PredictDenseMargin(
        ReadOnlySpan<float> features, int rows, int columns, Span<float> margins, float missing = float.NaN, int iterationEnd = 0) =>
        PredictInPlace(PredictionKind.Margin, features, rows, columns, margins, nameof(margins), missing, iterationEnd);

    /// <summary>Predicts on a matrix (XGBoosterPredictFromDMatrix).</summary>
    /// <param name="data">The rows.</param>
    /// <param name="destination">Receives the output, row-major; see <see cref="PredictionKind"/> for its shape.</param>
    /// <param name="kind">Values, margins or SHAP contributions.</param>
    /// <param name="iterationEnd">Use trees of rounds [0, iterationEnd) only; 0 = all.</param>
    /// <returns>Number of values written to <paramref name="destination"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small for the output.</exception>
    /// <exception cref="XGBoostException">XGBoost refused the prediction.</exception>
    public unsafe int Predict(DMatrix data, Span<float> destination, PredictionKind kind = PredictionKind.Value, int iterationEnd = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(iterationEnd);
        ThrowIfUnusable();
        var config = PredictionConfigs.Get(kind, iterationEnd, float.NaN, inPlace: false);
        ulong* shape;
        ulong dimensions;
        float* result;
        fixed (byte* configText = config)
        {
            Check(XGBoostNative.BoosterPredictFromDMatrix(_handle, data.Handle, configText, out shape, out dimensions, out result),
                "XGBoosterPredictFromDMatrix", $"XGBoost could not predict ({kind}) on a {data.Rows}×{data.Columns} matrix");
        }

        return CopyOut(shape, dimensions, result, destination, nameof(destination));
    }

    /// <summary>
    /// SHAP (or, with approximate, Saabas) contributions of a few rows (e.g. to explain an alert): for each row,
    /// columns + 1 values, each feature's
    /// contribution to the margin and then the bias; they sum to <see cref="PredictDenseMargin"/>'s value for the row.
    /// </summary>
    /// <remarks>
    /// libxgboost 1.7's in-place prediction cannot compute contributions ("Unsupported prediction type:2"), so this
    /// copies the rows into a temporary <see cref="DMatrix"/>: fine for explaining alerts, not for scoring every record.
    /// </remarks>
    /// <param name="features">rows × columns values, row after row.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="columns">Number of columns; must equal <see cref="FeatureCount"/>.</param>
    /// <param name="contributions">Receives rows × (columns + 1) values.</param>
    /// <param name="missing">The value that marks a missing feature besides NaN.</param>
    /// <param name="iterationEnd">Use trees of rounds [0, iterationEnd) only; 0 = all.</param>
    /// <param name="approximate">Saabas contributions (<see cref="PredictionKind.ApproximateContributions"/>) instead of exact SHAP values.</param>
    /// <exception cref="ArgumentException">The span lengths do not match rows and columns, or columns differ from <see cref="FeatureCount"/>.</exception>
    /// <exception cref="XGBoostException">XGBoost refused the prediction.</exception>
    public int PredictContributions(
        ReadOnlySpan<float> features, int rows, int columns, Span<float> contributions, float missing = float.NaN, int iterationEnd = 0,
        bool approximate = false)
    {
        Shapes.RequireDense(features.Length, rows, columns, nameof(features));
        Shapes.RequireCapacity(contributions.Length, (long)rows * (columns + 1), nameof(contributions));
        ArgumentOutOfRangeException.ThrowIfNegative(iterationEnd);
        var expected = FeatureCount;
        if (columns != expected)
        {
            throw new ArgumentException($"The model has {expected} features but the rows have {columns} columns.", nameof(columns));
        }

        if (rows == 0)
        {
            return 0;
        }

        using var matrix = DMatrix.FromDense(features, rows, columns, missing);
        return Predict(matrix, contributions, approximate ? PredictionKind.ApproximateContributions : PredictionKind.Contributions, iterationEnd);
    }

    private static unsafe int CopyOut(ulong* shape, ulong dimensions, float* result, Span<float> destination, string parameterName)
    {
        var count = 1L;
        for (var i = 0UL; i < dimensions; i++)
        {
            count *= (long)shape[i];
        }

        Shapes.RequireCapacity(destination.Length, count, parameterName);
        new ReadOnlySpan<float>(result, (int)count).CopyTo(destination);
        return (int)count;
    }

    private unsafe int PredictInPlace(
        PredictionKind kind, ReadOnlySpan<float> features, int rows, int columns, Span<float> destination, string destinationName,
        float missing, int iterationEnd)
    {
        Shapes.RequireDense(features.Length, rows, columns, nameof(features));
        Shapes.RequireCapacity(destination.Length, rows, destinationName);
        ArgumentOutOfRangeException.ThrowIfNegative(iterationEnd);
        ThrowIfUnusable();
        if (rows == 0)
        {
            return 0;
        }

        var config = PredictionConfigs.Get(kind, iterationEnd, missing, inPlace: true);
        Span<byte> arrayInterface = stackalloc byte[ArrayInterface.MaxLength];
        ulong* shape;
        ulong dimensions;
        float* result;
        int status;
        fixed (float* data = features)
        fixed (byte* configText = config)
        fixed (byte* interfaceText = arrayInterface)
        {
            ArrayInterface.Write(arrayInterface, (nint)data, rows, columns);
            status = XGBoostNative.BoosterPredictFromDense(_handle, interfaceText, configText, 0, out shape, out dimensions, out result);
        }

        if (status != 0)
        {
            throw Failure("XGBoosterPredictFromDense", $"XGBoost could not predict ({kind}) on {rows} rows × {columns} columns");
        }

        return CopyOut(shape, dimensions, result, destination, destinationName);
    }
}
