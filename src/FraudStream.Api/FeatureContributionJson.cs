using System.Text.Json;
using System.Text.Json.Serialization;
using FraudStream.Core.Outputs;

namespace FraudStream.Api;

/// <summary>
/// A feature contribution as JSON (/predict's and `alerts --json`'s <c>top_features</c>): a missing feature's value is
/// NaN, which JSON cannot hold, so it is written as null. Writing the NaN threw mid-response: a 500 with half a body.
/// </summary>
internal sealed class FeatureContributionJson : JsonConverter<FeatureContribution>
{
    /// <summary>Writes <c>{"name", "value" (null when missing), "contribution"}</c>.</summary>
    public static void Write(Utf8JsonWriter writer, FeatureContribution feature)
    {
        writer.WriteStartObject();
        writer.WriteString("name", feature.Name);
        WriteFloat(writer, "value", feature.Value);
        WriteFloat(writer, "contribution", feature.Contribution);
        writer.WriteEndObject();
    }

    /// <summary>Writes <paramref name="features"/> as the array property <paramref name="name"/>.</summary>
    public static void WriteArray(Utf8JsonWriter writer, string name, IEnumerable<FeatureContribution> features)
    {
        writer.WriteStartArray(name);
        foreach (var feature in features)
        {
            Write(writer, feature);
        }

        writer.WriteEndArray();
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, FeatureContribution value, JsonSerializerOptions options) => Write(writer, value);

    /// <inheritdoc />
    public override FeatureContribution Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Feature contributions are only written.");

    private static void WriteFloat(Utf8JsonWriter writer, string name, float value)
    {
        if (float.IsFinite(value))
        {
            writer.WriteNumber(name, value);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
