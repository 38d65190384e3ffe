using FraudStream.Registry;
using Microsoft.Extensions.Options;

namespace FraudStream.Serving;

/// <summary>How the scorer and the API follow the registry's production alias (configuration section "Model").</summary>
public sealed class ModelFollowerOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Model";

    /// <summary>How often the production alias is read.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>XGBoost prediction threads; 1 leaves the other cores to Kafka's threads.</summary>
    public int PredictionThreads { get; set; } = 1;

    /// <summary>A threshold that replaces every model's own, or null to use the model's.</summary>
    public float? Threshold { get; set; }

    /// <summary>How many contributing features an alert or a /predict answer lists.</summary>
    public int TopFeatures { get; set; } = 3;

    /// <summary>A model file larger than this is refused (reason too_large) before it is read: it would take its size in memory.</summary>
    public long MaxModelBytes { get; set; } = ModelRegistry.DefaultMaxModelBytes;

    /// <summary>
    /// Explain with exact SHAP values instead of XGBoost's approximate (Saabas) contributions; exact ones cost about
    /// 6 µs per scored record on the dev-broker benchmark (half the scoring time), approximate ones a fraction of that.
    /// </summary>
    public bool ExactContributions { get; set; }

    /// <summary>
    /// What evaluates the trees: "managed" (the default: <see cref="XGBoost.Flat.FlatForest"/>, the same float32 scores
    /// as XGBoost bit for bit, checked against it when each version loads, without a native call per batch; 2.6 times
    /// faster per row in batches, 10 times for one row) or "native" (libxgboost's in-place prediction). A version the
    /// managed evaluator does not reproduce is scored natively, with a warning naming why. Explanations always use
    /// native XGBoost (alerting rows only).
    /// </summary>
    public string Evaluator { get; set; } = ScoringModel.ManagedEvaluator;

    /// <summary>
    /// How this process keeps history, when it does: set from the scorer's own settings (Scorer:HistoryLateness), not
    /// bound; a model trained with other history settings is then refused. Null (/predict keeps no history): not checked.
    /// </summary>
    public Core.Features.History.HistorySettings? History { get; set; }

    /// <summary>
    /// Whether this process follows the registry's challenger alias too: set by the verb (the scorer when
    /// Scorer:ShadowTopic is set, the api when Api:MirrorChallenger is), not bound.
    /// </summary>
    public bool FollowChallenger { get; set; }
}

/// <summary>Checks <see cref="ModelFollowerOptions"/> at start, one sentence per problem.</summary>
public sealed class ModelFollowerOptionsValidator : IValidateOptions<ModelFollowerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ModelFollowerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.PollInterval < TimeSpan.FromMilliseconds(50) || options.PollInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"Model:PollInterval must be between 50 ms and 1 hour (e.g. 00:00:10), not {options.PollInterval}.");
        }

        if (options.PredictionThreads is < 1 or > 256)
        {
            failures.Add($"Model:PredictionThreads must be a whole number from 1 to 256, not {options.PredictionThreads}.");
        }

        if (options.Threshold is { } threshold && !(threshold is >= 0 and <= 1))
        {
            failures.Add($"Model:Threshold must be a probability from 0 to 1 (or unset to use the model's own), not {threshold}.");
        }

        if (options.TopFeatures is < 0 or > 64)
        {
            failures.Add($"Model:TopFeatures must be a whole number from 0 to 64, not {options.TopFeatures}.");
        }

        if (options.Evaluator is not (ScoringModel.NativeEvaluator or ScoringModel.ManagedEvaluator))
        {
            failures.Add($"Model:Evaluator must be '{ScoringModel.NativeEvaluator}' or '{ScoringModel.ManagedEvaluator}', not '{options.Evaluator}'.");
        }

        if (options.MaxModelBytes < 1024 || options.MaxModelBytes > Array.MaxLength)
        {
            failures.Add($"Model:MaxModelBytes must be from 1024 to {Array.MaxLength} bytes, not {options.MaxModelBytes}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
