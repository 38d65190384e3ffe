using FraudStream.Core.Models;
using FraudStream.Registry;

namespace FraudStream.Testing;

/// <summary>Metadata of a made-up model version: every value present and in range, for tests that never load its booster.</summary>
public static class MadeUpMetadata
{
    /// <summary>Version <paramref name="version"/> of a tx-v1 model with <paramref name="featureNames"/> (by default three), whose model file hashes to <paramref name="modelSha256"/>.</summary>
    public static ModelMetadata Create(string version, string modelSha256, IReadOnlyList<string>? featureNames = null)
    {
        var split = new SplitMetrics(1000, 0.02, 0.95, 0.6, 0.7, 0.5, 0.58, 10, 4, 976, 10);
        ModelVersion.TryParse(version, out var createdAt);
        return new ModelMetadata
        {
            Version = version,
            CreatedAt = createdAt,
            Pipeline = new PipelineSignature("tx-v1", featureNames ?? ["amount", "hour_of_day", "merchant_risk"]),
            ModelFile = "model.ubj",
            ModelSha256 = modelSha256,
            Threshold = 0.42f,
            ThresholdRule = "best F1 on validation",
            BestIteration = 37,
            Parameters = new Dictionary<string, string> { ["max_depth"] = "6", ["eta"] = "0.1" },
            Metrics = new ModelEvaluation(split, split),
            TrainingData = new TrainingDataSummary("transactions.csv", new string('a', 64), 5000, 0.02, createdAt.AddDays(-30), createdAt, 3000, 1000, 1000),
            FeatureImportance = new Dictionary<string, double> { ["amount"] = 12.5, ["hour_of_day"] = 3.25 },
        };
    }
}
