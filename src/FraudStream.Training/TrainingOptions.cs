using System.Globalization;
using FraudStream.Core.Features.History;

namespace FraudStream.Training;

/// <summary>How <see cref="ModelTrainer"/> trains and chooses the alert threshold.</summary>
public sealed record TrainingOptions
{
    /// <summary>XGBoost parameters used unless overridden: a gradient-boosted tree model for a rare positive class.</summary>
    public static IReadOnlyDictionary<string, string> DefaultParameters { get; } = new Dictionary<string, string>
    {
        ["objective"] = "binary:logistic",
        ["eval_metric"] = "aucpr",
        ["tree_method"] = "hist",
        ["max_depth"] = "6",
        ["eta"] = "0.1",
        ["subsample"] = "0.8",
        ["colsample_bytree"] = "0.8",
        ["min_child_weight"] = "1",
        ["max_delta_step"] = "1",
        ["seed"] = "0",
    };

    /// <summary>Parameters that replace or add to <see cref="DefaultParameters"/>.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Most boosting rounds.</summary>
    public int MaxRounds { get; init; } = 500;

    /// <summary>Stop when validation PR-AUC has not improved for this many rounds.</summary>
    public int EarlyStoppingRounds { get; init; } = 30;

    /// <summary>Share of the oldest data used for training.</summary>
    public double TrainShare { get; init; } = 0.7;

    /// <summary>Share of the data after it used for early stopping and the threshold; the newest rest is the test split.</summary>
    public double ValidationShare { get; init; } = 0.15;

    /// <summary>
    /// When set, the threshold is the lowest with at least this precision on validation;
    /// otherwise the one with the best F1 on validation.
    /// </summary>
    public double? TargetPrecision { get; init; }

    /// <summary>Most boosting rounds (and early-stopping patience) accepted.</summary>
    public const int MaxRoundsLimit = 100_000;

    /// <summary>Most XGBoost threads accepted.</summary>
    public const int MaxThreads = 256;

    /// <summary>XGBoost threads (its default, all cores, competes with Kafka's threads on small machines).</summary>
    public int Threads { get; init; } = 2;

    /// <summary>How history is kept for the history features (the scorer must keep it the same way to serve the model).</summary>
    public HistorySettings History { get; init; } = HistorySettings.Default;

    /// <summary>The default of <see cref="LabelDelay"/>, for training and for replaying history to score a file alike.</summary>
    public static readonly TimeSpan DefaultLabelDelay = TimeSpan.FromDays(7);

    /// <summary>When a row's label becomes known, for rows without a label time: this long after the transaction (a chargeback delay).</summary>
    public TimeSpan LabelDelay { get; init; } = DefaultLabelDelay;

    /// <summary>Longest label delay accepted.</summary>
    public static readonly TimeSpan MaxLabelDelay = TimeSpan.FromDays(365);

    /// <summary>Weight of fraud rows relative to genuine; null = genuine/fraud count in the training split.</summary>
    public double? ScalePositiveWeight { get; init; }

    /// <summary>The parameters the booster gets: defaults, overrides, threads and class weight.</summary>
    public IReadOnlyDictionary<string, string> EffectiveParameters(double scalePositiveWeight)
    {
        var effective = new Dictionary<string, string>(DefaultParameters);
        effective["nthread"] = Threads.ToString(CultureInfo.InvariantCulture);
        effective["scale_pos_weight"] = (ScalePositiveWeight ?? scalePositiveWeight).ToString("G6", CultureInfo.InvariantCulture);
        foreach (var (name, value) in Parameters)
        {
            effective[name] = value;
        }

        return effective;
    }

    /// <summary>Throws <see cref="ArgumentException"/> with one sentence when a setting cannot work.</summary>
    public void Validate()
    {
        if (MaxRounds is < 1 or > MaxRoundsLimit) { throw new ArgumentException($"Training needs from 1 to {MaxRoundsLimit} rounds, not {MaxRounds}."); }
        if (EarlyStoppingRounds is < 1 or > MaxRoundsLimit) { throw new ArgumentException($"Early stopping needs a patience from 1 to {MaxRoundsLimit} rounds, not {EarlyStoppingRounds}."); }

        // XGBoost starts every thread it is told to: 100,000 overflowed the stack and 5,000 hung.
        if (Threads is < 1 or > MaxThreads) { throw new ArgumentException($"XGBoost needs from 1 to {MaxThreads} threads, not {Threads}."); }
        if (Parameters.TryGetValue("nthread", out var nthread)
            && !(int.TryParse(nthread, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxThreads))
        {
            throw new ArgumentException($"The nthread parameter must be a whole number from 1 to {MaxThreads}, not '{nthread}'.");
        }

        if (TargetPrecision is { } precision && !(precision is > 0 and <= 1)) { throw new ArgumentException($"The target precision must be above 0 and at most 1, not {precision.ToString(CultureInfo.InvariantCulture)}."); }
        if (ScalePositiveWeight is <= 0) { throw new ArgumentException("The fraud weight (scale_pos_weight) must be positive."); }
        if (LabelDelay < TimeSpan.Zero || LabelDelay > MaxLabelDelay) { throw new ArgumentException($"The label delay must be from 0 to {MaxLabelDelay.TotalDays} days, not {LabelDelay}."); }
        ArgumentNullException.ThrowIfNull(History);
        History.Validate();
    }
}
