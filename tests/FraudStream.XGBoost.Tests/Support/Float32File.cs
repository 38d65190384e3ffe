using System.Runtime.InteropServices;

namespace FraudStream.XGBoost.Tests.Support;

/// <summary>Raw little-endian float32 arrays, the format numpy's tofile/fromfile use in the Python reference.</summary>
internal static class Float32File
{
    public static float[] Read(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();

    public static void Write(string path, ReadOnlySpan<float> values) => File.WriteAllBytes(path, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>Indices where the two arrays' bit patterns differ (NaNs compare by bits too).</summary>
    public static IReadOnlyList<string> BitDifferences(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, int show = 5)
    {
        var differences = new List<string>();
        if (expected.Length != actual.Length)
        {
            differences.Add($"length {expected.Length} vs {actual.Length}");
            return differences;
        }

        for (var i = 0; i < expected.Length && differences.Count < show; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                differences.Add($"[{i}] {expected[i]:R} vs {actual[i]:R}");
            }
        }

        return differences;
    }
}
