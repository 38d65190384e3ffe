using System.Text;
using System.Text.Json;
using FraudStream.Api;

namespace FraudStream.Cli.Tests.Api;

/// <summary>/predict's hand-written answer is byte for byte what the serializer wrote with the API's JSON options.</summary>
public sealed class PredictionJsonTests
{
    private static IEnumerable<Prediction> Predictions()
    {
        yield return new Prediction("t1", 0.00015268664f, false, 0.53870136f, "20261206_153338", [], "missing");
        yield return new Prediction(
            "tx <&> \"quoted\" é 😀 \u0001", 0.99999994f, true, 0.5f, "20261206_153338",
            [new("distance_from_home_km", float.NaN, 0.42f), new("amount", 1234.5f, 0.31f), new("hour", 3f, 1e-7f)], "not_used");
        yield return new Prediction("", 1f, true, 1f, "", [new("amount", float.PositiveInfinity, float.Epsilon)], "missing");
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public void The_answer_is_the_serializers_bytes(int which)
    {
        var prediction = Predictions().ElementAt(which);
        var expected = JsonSerializer.Serialize(prediction, ApiEndpoints.Json);

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            PredictionJson.Write(writer, prediction);
        }

        Assert.That(Encoding.UTF8.GetString(buffer.ToArray()), Is.EqualTo(expected));
    }
}
