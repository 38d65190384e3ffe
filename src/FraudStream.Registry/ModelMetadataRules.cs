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
            : DriftReferenceProblem(metadata.DriftReference));
    }

    /// <summary>Why <paramref name="file"/> cannot be a model file name inside a version's folder, or null when it can.</summary>
    public static string? ModelFileProblem(string? file) =>
        string.IsNullOrWhiteSpace(file) ? "model_file is missing"
        : file.Contains('/', StringComparison.Ordinal) || file.Contains('\\', StringComparison.Ordinal)
            || file is "." or ".." or RegistryLayout.MetadataFileName or RegistryLayout.ReportFileName
            ? $"model_file '{Shortened(file)}' is outside the version's folder: use a plain file name such as model.ubj or model.json"
        : null;

    /// <summary>
    /// Why <paramref name="reference"/> cannot be measured against, or null when it can (or is absent). Its feature names
    /// are not checked against the pipeline's: a model whose features this build cannot produce is refused for that
    /// (incompatible_features), and a name that matches no column is simply not measured.
    /// </summary>
    public static string? DriftReferenceProblem(DriftReference? reference)
    {
        if (reference is null)
        {
            return null; // models trained before drift references: served, without drift
        }

        if (reference.Features is null || reference.Score is null)
        {
            return "drift_reference.features or drift_reference.score is missing";
        }

        if (reference.FeatureRows < 1 || reference.ScoreRows < 1)
        {
            return "drift_reference.feature_rows and drift_reference.score_rows must be positive";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < reference.Features.Count; i++)
        {
            var feature = reference.Features[i];
            var where = $"drift_reference.features[{i}]";
            if (feature?.Name is not { Length: > 0 } name)
            {
                return $"{where} has no name";
            }

            if (!seen.Add(name))
            {
                return $"{where} names '{Shortened(name)}' a second time";
            }

            if (BinsProblem(feature.Bins, $"{where} ({name})") is { } problem)
            {
                return problem;
            }
        }

        return BinsProblem(reference.Score, "drift_reference.score");
    }

    private static string? BinsProblem(BinnedDistribution? bins, string where)
    {
        // Shares are counts over rows, so they sum to 1 up to rounding; this much slack lets a hand-rounded file through.
        const double sumTolerance = 1e-3;
        if (bins?.Edges is null || bins.Proportions is null)
        {
            return $"{where} has no edges or proportions";
        }

        if (bins.Edges.Count > BinnedDistribution.MaxEdges)
        {
            return $"{where} has {bins.Edges.Count} edges, more than {BinnedDistribution.MaxEdges}";
        }

        for (var e = 0; e < bins.Edges.Count; e++)
        {
            if (!float.IsFinite(bins.Edges[e]) || (e > 0 && !(bins.Edges[e] > bins.Edges[e - 1])))
            {
                return $"{where} edges are not strictly increasing finite numbers";
            }
        }

        if (bins.Proportions.Count != bins.Edges.Count + 1)
        {
            return $"{where} has {bins.Proportions.Count} proportions for {bins.Edges.Count} edges: one bin more than edges is needed";
        }

        if (bins.Proportions.Append(bins.Missing).Any(p => !(p is >= 0 and <= 1)))
        {
            return $"{where} has a proportion outside 0..1";
        }

        var sum = bins.Proportions.Sum() + bins.Missing;
        return Math.Abs(sum - 1) > sumTolerance
            ? string.Create(CultureInfo.InvariantCulture, $"{where} proportions and missing sum to {sum:0.######}, not 1")
            : null;
    }

    private static string Shortened(string text) => text.Length <= 64 ? text : text[..64] + "...";

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
