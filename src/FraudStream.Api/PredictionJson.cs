using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace FraudStream.Api;

/// <summary>
/// /predict's answer written straight to the response with a <see cref="Utf8JsonWriter"/>: the same bytes as
/// <see cref="JsonSerializer"/> with <see cref="ApiEndpoints.Json"/> (tested), without the serializer's per-request
/// metadata walk on the hottest route.
/// </summary>
internal sealed class PredictionJson(Prediction prediction) : IResult
{
    private const string ContentType = "application/json; charset=utf-8";

    /// <summary>Writes <paramref name="prediction"/> as <see cref="ApiEndpoints.Json"/> would, snake_case in declaration order.</summary>
    public static void Write(Utf8JsonWriter writer, Prediction prediction)
    {
        writer.WriteStartObject();
        writer.WriteString("transaction_id", prediction.TransactionId);
        writer.WriteNumber("score", prediction.Score);
        writer.WriteBoolean("is_fraud", prediction.IsFraud);
        writer.WriteNumber("threshold", prediction.Threshold);
        writer.WriteString("model_version", prediction.ModelVersion);
        FeatureContributionJson.WriteArray(writer, "top_features", prediction.TopFeatures);
        writer.WriteString("history", prediction.History);
        writer.WriteEndObject();
    }

    /// <inheritdoc />
    public async Task ExecuteAsync(HttpContext context)
    {
        context.Response.ContentType = ContentType;
        var body = context.Response.BodyWriter;
        using (var writer = new Utf8JsonWriter(body))
        {
            Write(writer, prediction);
        }

        await body.FlushAsync(context.RequestAborted);
    }
}
