using System.Buffers.Text;

namespace FraudStream.XGBoost;

/// <summary>
/// Writes the NUL-terminated __array_interface__ JSON (NumPy's protocol, version 3) that tells XGBoost where a pinned
/// row-major float32 matrix lives, so it predicts from the caller's memory without copying it.
/// </summary>
internal static class ArrayInterface
{
    /// <summary>Enough for the longest document: a 20-digit address and two 10-digit dimensions.</summary>
    public const int MaxLength = 128;

    /// <summary>Writes into <paramref name="destination"/> without allocating.</summary>
    /// <remarks>
    /// Formats with <see cref="Utf8Formatter"/> rather than an interpolated string: the interpolation handler's generic
    /// AppendFormatted boxes its values until the JIT optimizes the method, which is an allocation per call for the
    /// first hundred milliseconds of a scorer's life.
    /// </remarks>
    public static void Write(Span<byte> destination, nint data, int rows, int columns)
    {
        // "<f4": little-endian float32, what .NET's float is on every platform FraudStream runs on.
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("XGBoost in-place prediction is only wired for little-endian platforms.");
        }

        var written = 0;
        var fits = Literal(destination, ref written, "{\"data\":["u8)
            && Number(destination, ref written, (ulong)data)
            && Literal(destination, ref written, ",true],\"shape\":["u8)
            && Number(destination, ref written, (ulong)rows)
            && Literal(destination, ref written, ","u8)
            && Number(destination, ref written, (ulong)columns)
            && Literal(destination, ref written, "],\"typestr\":\"<f4\",\"version\":3}\0"u8);
        if (!fits)
        {
            throw new InvalidOperationException("The array interface does not fit its buffer.");
        }
    }

    private static bool Literal(Span<byte> destination, ref int written, ReadOnlySpan<byte> text)
    {
        if (!text.TryCopyTo(destination[written..]))
        {
            return false;
        }

        written += text.Length;
        return true;
    }

    private static bool Number(Span<byte> destination, ref int written, ulong value)
    {
        if (!Utf8Formatter.TryFormat(value, destination[written..], out var length))
        {
            return false;
        }

        written += length;
        return true;
    }
}
