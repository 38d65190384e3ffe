using FraudStream.XGBoost.Native;

namespace FraudStream.XGBoost;

/// <summary>XGBoost's data matrix: a copy of row-major features plus labels, weights and feature names, for training and evaluation.</summary>
/// <remarks>
/// The scorer's hot path does not need one: <see cref="Booster.PredictDense"/> reads caller memory in place.
/// A booster that caches a matrix (<see cref="Booster.Create"/>) shares it with XGBoost, so disposing it early is safe.
/// </remarks>
public sealed class DMatrix : IDisposable
{
    private DMatrix(DMatrixHandle handle, int rows, int columns)
    {
        Handle = handle;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of columns (features).</summary>
    public int Columns { get; }

    internal DMatrixHandle Handle { get; }

    /// <summary>Copies <paramref name="data"/>, <paramref name="rows"/> × <paramref name="columns"/> values in row-major order, into a new matrix.</summary>
    /// <param name="data">Feature values, row after row.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="columns">Number of columns; at least 1.</param>
    /// <param name="missing">The value that marks a missing feature; NaN is always missing as well.</param>
    /// <exception cref="ArgumentException">The span's length is not rows × columns.</exception>
    /// <exception cref="XGBoostException">XGBoost refused the data.</exception>
    public static unsafe DMatrix FromDense(ReadOnlySpan<float> data, int rows, int columns, float missing = float.NaN)
    {
        Shapes.RequireDense(data.Length, rows, columns, nameof(data));
        DMatrixHandle handle;
        int result;

        // XGBoost reads nothing when there are no rows, but a zero-length span has no address to pin.
        var placeholder = 0f;
        fixed (float* values = data)
        {
            result = XGBoostNative.DMatrixCreateFromMat(
                values == null ? &placeholder : values, (ulong)rows, (ulong)columns, missing, out handle);
        }

        if (result != 0)
        {
            handle.Dispose();
            throw Failure("XGDMatrixCreateFromMat", $"XGBoost could not build a {rows}×{columns} matrix");
        }

        try
        {
            Check(XGBoostNative.DMatrixNumRow(handle, out var nativeRows), "XGDMatrixNumRow", "XGBoost could not report the matrix's rows");
            Check(XGBoostNative.DMatrixNumCol(handle, out var nativeColumns), "XGDMatrixNumCol", "XGBoost could not report the matrix's columns");
            return new DMatrix(handle, checked((int)nativeRows), checked((int)nativeColumns));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Sets the training target of each row (for binary:logistic, 0 or 1).</summary>
    /// <exception cref="ArgumentException">There is not one label per row (or a whole number of labels per row, for multi-target models).</exception>
    public void SetLabels(ReadOnlySpan<float> labels)
    {
        if (labels.Length == 0 || Rows == 0 || labels.Length % Rows != 0)
        {
            throw new ArgumentException($"The matrix has {Rows} rows but {labels.Length} labels were given; give one label per row.", nameof(labels));
        }

        SetFloatInfo("label", labels);
    }

    /// <summary>Sets each row's weight in the training loss (e.g. to up-weight the rare fraud class).</summary>
    /// <exception cref="ArgumentException">There is not exactly one weight per row.</exception>
    public void SetWeights(ReadOnlySpan<float> weights)
    {
        if (weights.Length != Rows)
        {
            throw new ArgumentException($"The matrix has {Rows} rows but {weights.Length} weights were given; give one weight per row.", nameof(weights));
        }

        SetFloatInfo("weight", weights);
    }

    /// <summary>Names the columns; a booster trained on this matrix keeps the names in its model.</summary>
    /// <exception cref="ArgumentException">The count differs from <see cref="Columns"/>, or a name is empty or repeated.</exception>
    public unsafe void SetFeatureNames(IReadOnlyList<string> names)
    {
        FeatureNames.Validate(names, Columns, nameof(names));
        using var encoded = new Utf8StringArray(names);
        fixed (nint* pointers = encoded.Pointers)
        {
            Check(XGBoostNative.DMatrixSetStrFeatureInfo(Handle, FeatureNames.Field, (byte**)pointers, (ulong)names.Count),
                "XGDMatrixSetStrFeatureInfo", "XGBoost refused the feature names");
        }
    }

    /// <summary>The column names, or an empty list when none were set.</summary>
    public unsafe IReadOnlyList<string> GetFeatureNames()
    {
        Check(XGBoostNative.DMatrixGetStrFeatureInfo(Handle, FeatureNames.Field, out var count, out var values),
            "XGDMatrixGetStrFeatureInfo", "XGBoost could not report the feature names");
        return XGBoostNative.CopyStrings(values, count);
    }

    /// <summary>Frees the native matrix (boosters that cached it keep their own reference).</summary>
    public void Dispose() => Handle.Dispose();

    private static XGBoostException Failure(string function, string message) =>
        new(message, function, XGBoostNative.LastError());

    private static void Check(int result, string function, string message)
    {
        if (result != 0)
        {
            throw Failure(function, message);
        }
    }

    private unsafe void SetFloatInfo(string field, ReadOnlySpan<float> values)
    {
        fixed (float* pointer = values)
        {
            Check(XGBoostNative.DMatrixSetFloatInfo(Handle, field, pointer, (ulong)values.Length),
                "XGDMatrixSetFloatInfo", $"XGBoost refused the {field}s");
        }
    }
}
