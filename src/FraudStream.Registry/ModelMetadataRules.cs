using System.Globalization;
using FraudStream.Core.Models;

namespace FraudStream.Registry;

/// <summary>
/// What metadata.json must hold for a version to be published, shown or served: every value present and in range. The
/// JSON parser alone accepts <c>"pipeline": null</c> or a threshold of 7.5, which would fail far from their cause.
/// </summary>
public static class ModelMetadataRules
{
    /// <summary>The first problem with <paramref name="metadata"/>, in words that name the field, or null when there is none.</summary>
    public static string? FindProblem(ModelMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return !ModelVersion.IsValid(metadata.Version) ? $"its version '{metadata.Version}' is not YYYYMMDD_HHMMSS"
            : metadata.Pipeline is null ? "pipeline is missing"
            : string.IsNullOrWhiteSpace(metadata.Pipeline.Version) ? "pipeline.version is missing"
            : FeatureNamesProblem(metadata.Pipeline.FeatureNames)
            ?? ModelFileProblem(metadata.ModelFile)
            ?? (!IsSha256Hex(metadata.ModelSha256) ? "model_sha256 is not 64 hexadecimal digits"
            : !(metadata.Threshold is >= 0 and <= 1) ? string.Create(CultureInfo.InvariantCulture, $"threshold {metadata.Threshold} is not a probability from 0 to 1")
            : metadata.ThresholdRule is null ? "threshold_rule is missing"
            : metadata.BestIteration < 0 ? $"best_iteration {metadata.BestIteration} is negative"
            : metadata.Parameters is null ? "parameters is missing"
            : metadata.FeatureImportance is null ? "feature_importance is missing"
            : metadata.Metrics?.Validation is null || metadata.Metrics.Test is null ? "metrics.validation or metrics.test is missing"
            : metadata.TrainingData?.Source is null || metadata.TrainingData.Sha256 is null ? "training_data is missing"
            : null);
    }

    /// <summary>Why <paramref name="file"/> cannot be a model file name inside a version's folder, or null when it can.</summary>
    public static string? ModelFileProblem(string? file) =>
        string.IsNullOrWhiteSpace(file) ? "model_file is missing"
        : file.Contains('/', StringComparison.Ordinal) || file.Contains('\\', StringComparison.Ordinal)
            || file is "." or ".." or RegistryLayout.MetadataFileName or RegistryLayout.ReportFileName
            ? $"model_file '{(file.Length <= 64 ? file : file[..64] + "...")}' is outside the version's folder: use a plain file name such as model.ubj or model.json"
        : null;

    private static string? FeatureNamesProblem(IReadOnlyList<string>? names)
    {
        if (names is null || names.Count == 0)
        {
            return "pipeline.feature_names is missing or empty";
        }

        if (names.Any(string.IsNullOrWhiteSpace))
        {
            return "pipeline.feature_names has an empty name";
        }

        return names.Distinct(StringComparer.Ordinal).Count() != names.Count ? "pipeline.feature_names names a feature twice" : null;
    }

    private static bool IsSha256Hex(string? text) => text is { Length: 64 } && text.All(char.IsAsciiHexDigit);
}
