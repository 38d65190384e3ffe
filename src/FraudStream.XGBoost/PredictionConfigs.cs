using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace FraudStream.XGBoost;

/// <summary>
/// NUL-terminated UTF-8 prediction configs (the JSON XGBoosterPredictFrom* take), built once per distinct request and
/// shared by every booster, so a prediction on the hot path does not format or allocate one.
/// </summary>
/// <remarks>
/// libxgboost 1.7.4 requires "cache_id" (it must be 0) although c_api.h does not list it: without it in-place
/// prediction fails with "Invalid cast, from Null to Integer". Python's xgboost 1.7 sends it too.
/// </remarks>
internal static class PredictionConfigs
{
    /// <summary>Beyond this many distinct configs (callers varying iteration_end or missing freely) new ones are built per call instead of kept.</summary>
    private const int MaxCached = 256;

    private static readonly ConcurrentDictionary<Key, byte[]> s_configs = new();

    public static byte[] Get(PredictionKind kind, int iterationEnd, float missing, bool inPlace)
    {
        // Every NaN means "missing is NaN"; one key for all of them.
        var missingBits = float.IsNaN(missing) ? BitConverter.SingleToUInt32Bits(float.NaN) : BitConverter.SingleToUInt32Bits(missing);
        var key = new Key(kind, iterationEnd, inPlace ? missingBits : 0, inPlace);
        if (s_configs.TryGetValue(key, out var config))
        {
            return config;
        }

        return s_configs.Count < MaxCached ? s_configs.GetOrAdd(key, static k => Build(k)) : Build(key);
    }

    private static byte[] Build(Key key)
    {
        var json = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{{\"type\":{(int)key.Kind},\"training\":false,")
            .Append(CultureInfo.InvariantCulture, $"\"iteration_begin\":0,\"iteration_end\":{key.IterationEnd},\"strict_shape\":false,\"cache_id\":0");
        if (key.InPlace)
        {
            json.Append(",\"missing\":").Append(JsonFloat(BitConverter.UInt32BitsToSingle(key.MissingBits)));
        }

        json.Append("}\0");
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    // XGBoost's JSON reader accepts NaN and Infinity literals, as Python's json module writes them.
    private static string JsonFloat(float value) => value switch
    {
        float.NaN => "NaN",
        float.PositiveInfinity => "Infinity",
        float.NegativeInfinity => "-Infinity",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private readonly record struct Key(PredictionKind Kind, int IterationEnd, uint MissingBits, bool InPlace);
}
