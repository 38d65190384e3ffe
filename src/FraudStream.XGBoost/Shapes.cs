namespace FraudStream.XGBoost;

/// <summary>Argument checks shared by the matrix and prediction entry points, before any native call.</summary>
internal static class Shapes
{
    public static void RequireDense(int length, int rows, int columns, string parameterName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        if ((long)rows * columns != length)
        {
            throw new ArgumentException(
                $"Expected {rows} rows × {columns} columns = {(long)rows * columns} values in row-major order, but got {length}.",
                parameterName);
        }
    }

    public static void RequireCapacity(int length, long needed, string parameterName)
    {
        if (length < needed)
        {
            throw new ArgumentException($"The destination holds {length} values but {needed} are needed.", parameterName);
        }
    }
}
