using System.Security.Cryptography;
using FraudStream.Core.Models;
using FraudStream.Registry;

namespace FraudStream.Testing;

/// <summary>
/// A version whose metadata is all a test reads (e.g. the retraining triggers, which read only when a model was made and
/// where its training data ends): three bytes stand in for the model, so nothing can serve it.
/// </summary>
public static class StandInModel
{
    /// <summary>
    /// Publishes <paramref name="version"/>, created at <paramref name="createdAt"/>, trained from Kafka on the 30 days up to
    /// <paramref name="windowEnd"/> (default: its creation), and promotes it when <paramref name="production"/>.
    /// </summary>
    public static async Task PublishAsync(ModelRegistry registry, string version, DateTimeOffset createdAt, bool production, DateTimeOffset? windowEnd = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        byte[] model = [1, 2, 3];
        var split = new SplitMetrics(10, 0.1, 0.9, 0.5, 0.5, 0.5, 0.5, 1, 1, 7, 1);
        var end = windowEnd ?? createdAt;
        var metadata = new ModelMetadata
        {
            Version = version,
            CreatedAt = createdAt,
            Pipeline = new PipelineSignature("tx-v2", ["amount"]),
            ModelFile = "model.ubj",
            ModelSha256 = Convert.ToHexStringLower(SHA256.HashData(model)),
            Threshold = 0.5f,
            ThresholdRule = "stand-in",
            Metrics = new ModelEvaluation(split, split),
            TrainingData = new TrainingDataSummary(
                "kafka:transactions", new string('0', 64), 30, 0.1, end.AddDays(-30), end.AddHours(-1), 20, 5, 5,
                Window: new TimeRange(end.AddDays(-30), end)),
        };
        await registry.PublishAsync(metadata, model, "stand-in");
        if (production)
        {
            await registry.PromoteAsync(version, "put there by the test");
        }
    }
}
