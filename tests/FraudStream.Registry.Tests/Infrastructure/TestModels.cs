using System.Text;
using FraudStream.Core.Models;

namespace FraudStream.Registry.Tests.Infrastructure;

/// <summary>Small, made-up model versions: some bytes and metadata whose SHA-256 matches them.</summary>
internal static class TestModels
{
    public const string Report = "# Model report\n\nMade up for a test.\n";

    public static (ModelMetadata Metadata, byte[] Bytes) Create(string version)
    {
        // Different bytes per version, so a swapped file fails its checksum.
        var bytes = Encoding.UTF8.GetBytes($"{{\"learner\":\"not a real booster\",\"version\":\"{version}\"}}");
        var split = new SplitMetrics(1000, 0.02, 0.95, 0.6, 0.7, 0.5, 0.58, 10, 4, 976, 10);
        ModelVersion.TryParse(version, out var createdAt);
        var metadata = new ModelMetadata
        {
            Version = version,
            CreatedAt = createdAt,
            Pipeline = new PipelineSignature("tx-v1", ["amount", "hour_of_day", "merchant_risk"]),
            ModelFile = "model.ubj",
            ModelSha256 = ModelRegistry.Sha256Hex(bytes),
            Threshold = 0.42f,
            ThresholdRule = "best F1 on validation",
            BestIteration = 37,
            Parameters = new Dictionary<string, string> { ["max_depth"] = "6", ["eta"] = "0.1" },
            Metrics = new ModelEvaluation(split, split),
            TrainingData = new TrainingDataSummary("transactions.csv", new string('a', 64), 5000, 0.02, createdAt.AddDays(-30), createdAt, 3000, 1000, 1000),
            FeatureImportance = new Dictionary<string, double> { ["amount"] = 12.5, ["hour_of_day"] = 3.25 },
        };
        return (metadata, bytes);
    }
}
