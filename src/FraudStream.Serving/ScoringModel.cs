using FraudStream.Core.Features;
using FraudStream.Core.Models;
using FraudStream.XGBoost;
using FraudStream.XGBoost.Flat;

namespace FraudStream.Serving;

/// <summary>
/// One registry version loaded for scoring: its booster, the feature pipeline bound to its columns and the threshold in
/// force. Reference-counted, so a version swapped out while a batch or a request still scores with it is freed only
/// when the last user lets go (<see cref="LiveModel"/> hands out the references). Disposing drops the owner's
/// reference; <see cref="LiveModel.Swap"/> takes ownership.
/// </summary>
public sealed class ScoringModel : IDisposable
{
    /// <summary><see cref="Evaluator"/> when libxgboost's in-place prediction scores.</summary>
    public const string NativeEvaluator = "native";

    /// <summary><see cref="Evaluator"/> when the managed <see cref="FlatForest"/> scores.</summary>
    public const string ManagedEvaluator = "managed";

    private readonly Booster _booster;
    private readonly FlatForest? _forest;
    private int _references = 1; // the owner's reference
    private int _ownerReleased;

    private ScoringModel(
        ModelMetadata metadata, Booster booster, FeaturePipeline pipeline, float threshold, bool exactContributions, (FlatForest? Forest, string? Fallback) evaluator)
    {
        ExactContributions = exactContributions;
        Metadata = metadata;
        _booster = booster;
        (_forest, EvaluatorFallback) = evaluator;
        Pipeline = pipeline;
        Threshold = threshold;
        IterationEnd = metadata.BestIteration + 1;
        ManagedExplanations = !exactContributions && _forest is { Explains: true } forest && forest.ContributionDisagreement(booster, IterationEnd) is null;
    }

    /// <summary>The registry version, YYYYMMDD_HHMMSS.</summary>
    public string Version => Metadata.Version;

    /// <summary>The version's metadata.</summary>
    public ModelMetadata Metadata { get; }

    /// <summary>The pipeline that produces this model's columns, in its order.</summary>
    public FeaturePipeline Pipeline { get; }

    /// <summary>Scores at or above this are fraud: the model's own threshold unless configuration overrides it.</summary>
    public float Threshold { get; }

    /// <summary>Trees of rounds [0, IterationEnd) score: the best round found by early stopping, as in evaluation.</summary>
    public int IterationEnd { get; }

    /// <summary>Explanations use exact SHAP values rather than XGBoost's approximate (Saabas) contributions.</summary>
    public bool ExactContributions { get; }

    /// <summary><see cref="ManagedEvaluator"/> when the managed evaluator scores this version, otherwise <see cref="NativeEvaluator"/>.</summary>
    public string Evaluator => _forest is null ? NativeEvaluator : ManagedEvaluator;

    /// <summary>Why the managed evaluator was asked for but does not score this version (one sentence), or null.</summary>
    public string? EvaluatorFallback { get; }

    /// <summary>Number of feature columns.</summary>
    public int FeatureCount => Pipeline.FeatureCount;

    /// <summary>
    /// Builds a scoring model from a version's metadata and model bytes (already checked against the metadata's SHA-256).
    /// </summary>
    /// <param name="metadata">The version's metadata.</param>
    /// <param name="modelBytes">The model, UBJSON or JSON.</param>
    /// <param name="predictionThreads">XGBoost's OpenMP threads for prediction (its default, all cores, starves Kafka's threads).</param>
    /// <param name="thresholdOverride">A threshold that replaces the model's, or null.</param>
    /// <param name="exactContributions">Explain alerts with exact SHAP values (about 0.7 ms per alert on the default model) instead of approximate contributions.</param>
    /// <param name="history">How this process keeps history (the scorer), or null when it keeps none (/predict): see <see cref="FeaturePipeline.For"/>.</param>
    /// <param name="managed">Score with the managed <see cref="FlatForest"/> when it reproduces this model and passes its check against XGBoost; natively otherwise (<see cref="EvaluatorFallback"/> says why).</param>
    /// <exception cref="IncompatibleModelException">The pipeline cannot produce the model's features, or the booster's feature count disagrees with its metadata.</exception>
    /// <exception cref="XGBoostException">The model bytes do not load.</exception>
    public static ScoringModel Create(
        ModelMetadata metadata, ReadOnlySpan<byte> modelBytes, int predictionThreads, float? thresholdOverride, bool exactContributions = false,
        Core.Features.History.HistorySettings? history = null, bool managed = false)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentOutOfRangeException.ThrowIfLessThan(predictionThreads, 1);
        var pipeline = FeaturePipeline.For(metadata.Pipeline, history);
        var booster = Booster.LoadModelFromBuffer(modelBytes, predictionThreads);
        try
        {
            if (booster.FeatureCount != pipeline.FeatureCount)
            {
                throw new IncompatibleModelException(
                    $"Model {metadata.Version} has {booster.FeatureCount} features but its metadata lists {pipeline.FeatureCount}: re-publish it.");
            }

            if (booster.BoostedRounds < metadata.BestIteration + 1)
            {
                throw new IncompatibleModelException(
                    $"Model {metadata.Version} has {booster.BoostedRounds} rounds but its metadata names round {metadata.BestIteration} as the best: re-publish it.");
            }

            var evaluator = managed ? Flatten(booster, metadata.BestIteration + 1) : (null, null);
            return new ScoringModel(metadata, booster, pipeline, thresholdOverride ?? metadata.Threshold, exactContributions, evaluator);
        }
        catch
        {
            booster.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Fraud probabilities of <paramref name="rows"/> rows of features (row-major) into <paramref name="scores"/>; no
    /// allocation. Natively one libxgboost call; managed, the same scores in managed code.
    /// </summary>
    public void Predict(ReadOnlySpan<float> features, int rows, Span<float> scores)
    {
        if (_forest is { } forest)
        {
            forest.Predict(features[..(rows * FeatureCount)], rows, FeatureCount, scores[..rows], IterationEnd);
        }
        else
        {
            _booster.PredictDense(features[..(rows * FeatureCount)], rows, FeatureCount, scores[..rows], iterationEnd: IterationEnd);
        }
    }

    /// <summary>
    /// Contributions of a few rows: FeatureCount + 1 values per row (the last is the bias), summing to the margin.
    /// Approximate ones come from the managed forest when it scores this version and gave XGBoost's contributions bit
    /// for bit on the check rows at load (<see cref="ManagedExplanations"/>); exact SHAP values always from XGBoost.
    /// </summary>
    public void Explain(ReadOnlySpan<float> features, int rows, Span<float> contributions)
    {
        if (ManagedExplanations)
        {
            _forest!.PredictApproximateContributions(
                features[..(rows * FeatureCount)], rows, FeatureCount, contributions[..(rows * (FeatureCount + 1))], IterationEnd);
            return;
        }

        _booster.PredictContributions(
            features[..(rows * FeatureCount)], rows, FeatureCount, contributions[..(rows * (FeatureCount + 1))], iterationEnd: IterationEnd,
            approximate: !ExactContributions);
    }

    /// <summary>Whether the managed forest computes this version's (approximate) explanations instead of libxgboost.</summary>
    public bool ManagedExplanations { get; }

    /// <summary>The managed forest of <paramref name="booster"/> when it reproduces the booster's scores, or the reason it does not.</summary>
    private static (FlatForest? Forest, string? Fallback) Flatten(Booster booster, int iterationEnd)
    {
        try
        {
            var forest = FlatForest.FromBooster(booster);
            return forest.Disagreement(booster, iterationEnd) is { } disagreement ? (null, disagreement) : (forest, null);
        }
        catch (UnsupportedModelException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>Takes a reference; false once the model has been released by everyone (swapped out and idle).</summary>
    internal bool TryRetain()
    {
        var current = Volatile.Read(ref _references);
        while (current > 0)
        {
            var seen = Interlocked.CompareExchange(ref _references, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>Drops the owner's reference (once); the booster is freed when no lease holds it either.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _ownerReleased, 1) == 0)
        {
            Release();
        }
    }

    /// <summary>Drops a reference; the last one frees the native booster.</summary>
    internal void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            _booster.Dispose();
        }
    }
}
