using FraudStream.Core.Features.History;
using FraudStream.Core.Models;
using FraudStream.Core.Transactions;

namespace FraudStream.Core.Features;

/// <summary>
/// The one code path from a <see cref="Transaction"/> (and its history features) to the float row a model scores:
/// training, the streaming scorer and <c>/predict</c> all call <see cref="Extract(Transaction, ReadOnlySpan{float}, Span{float})"/>,
/// so a transaction gets the same features, and the same score, everywhere.
/// </summary>
/// <remarks>
/// An instance produces the features of one model, in that model's column order (<see cref="For"/>). The columns are the
/// transaction's own features (<c>tx-v1</c>) followed by the history features (<see cref="HistoryFeatures"/>, <c>tx-v2</c>),
/// which the caller computes with the state it keeps (the trainer's replay, the scorer's partition state) and passes in.
/// Missing inputs (no coordinates, a non-numeric MCC, no history) become NaN, which XGBoost treats as missing.
/// </remarks>
public sealed class FeaturePipeline
{
    /// <summary>Version of the feature definitions; a model records it, and a change here means retraining.</summary>
    public const string CurrentVersion = "tx-v2";

    /// <summary>The version before history features: its models are still served, with the transaction's own features.</summary>
    public const string StatelessVersion = "tx-v1";

    private static readonly int s_allCount = TransactionFeatures.Count + HistoryFeatures.Count;
    private static readonly string[] s_allNames = [.. TransactionFeatures.Names, .. HistoryFeatures.Names];

    private readonly int[] _columns;

    private FeaturePipeline(string version, int[] columns, HistorySignature? history)
    {
        _columns = columns;
        FeatureNames = Array.ConvertAll(columns, c => s_allNames[c]);
        UsesHistory = columns.Any(c => c >= TransactionFeatures.Count);
        Signature = new PipelineSignature(version, FeatureNames, version == StatelessVersion ? null : history);
        IsIdentity = columns.Length == s_allCount && columns.Select((c, i) => c == i).All(x => x);
    }

    /// <summary>The pipeline with every feature it knows, in its own order, with the default history settings.</summary>
    public static FeaturePipeline Full { get; } = WithHistory(HistorySettings.Default);

    /// <summary>Feature names in column order.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Number of columns a row has.</summary>
    public int FeatureCount => _columns.Length;

    /// <summary>Whether any column is a history feature.</summary>
    public bool UsesHistory { get; }

    /// <summary>Version, feature names and history settings, as recorded in a model's metadata.</summary>
    public PipelineSignature Signature { get; }

    private bool IsIdentity { get; }

    /// <summary>
    /// Whether <paramref name="featureName"/> says only when a transaction happened (hour, weekday, night, weekend): its
    /// distribution over a stretch of live traffic is that stretch's place in the calendar, so drift is not measured on it.
    /// </summary>
    public static bool IsCalendarFeature(string featureName) => Array.IndexOf(TransactionFeatures.Calendar, featureName) >= 0;

    /// <summary>The pipeline with every feature, history kept with <paramref name="settings"/>: what the trainer uses.</summary>
    public static FeaturePipeline WithHistory(HistorySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new FeaturePipeline(CurrentVersion, Enumerable.Range(0, s_allCount).ToArray(), SignatureOf(settings));
    }

    /// <summary>The history settings as a model's metadata records them.</summary>
    public static HistorySignature SignatureOf(HistorySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new HistorySignature(
            HistorySettings.CardWindows, HistorySettings.EntityWindows, settings.Lateness, settings.MaxEventsPerCard, settings.MaxLabelsPerEntity);
    }

    /// <summary>
    /// The settings a model's history features were kept with (the reverse of <see cref="SignatureOf"/>): what a process
    /// that replays history for that model (<c>fraudstream predict</c>) keeps it with.
    /// </summary>
    /// <exception cref="IncompatibleModelException">The recorded settings are ones this build cannot keep history with.</exception>
    public static HistorySettings SettingsOf(HistorySignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var settings = new HistorySettings
        {
            Lateness = signature.Lateness,
            MaxEventsPerCard = signature.MaxEventsPerCard,
            MaxLabelsPerEntity = signature.MaxLabelsPerEntity,
        };
        try
        {
            settings.Validate();
        }
        catch (ArgumentException e)
        {
            throw new IncompatibleModelException($"The model records history settings this build cannot keep ({e.Message}): retrain it with this build.");
        }

        return settings;
    }

    /// <summary>
    /// The pipeline that feeds a model with <paramref name="model"/>'s signature, in its column order. A process that
    /// keeps history (the scorer, the trainer) passes the settings it keeps it with, and a model trained with others is
    /// refused; null means no history is kept here (/predict): history features are missing anyway, so any settings do.
    /// </summary>
    /// <exception cref="IncompatibleModelException">The model was trained with another pipeline version, with history
    /// kept otherwise, or needs features this pipeline cannot produce.</exception>
    public static FeaturePipeline For(PipelineSignature model, HistorySettings? history = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Version is not (CurrentVersion or StatelessVersion))
        {
            throw new IncompatibleModelException(
                $"The model was trained with feature pipeline '{model.Version}' but this build has '{CurrentVersion}' (and serves '{StatelessVersion}'): retrain it with this build.");
        }

        var known = model.Version == StatelessVersion ? TransactionFeatures.Count : s_allCount;
        var missing = model.FeatureNames.Where(n => Array.IndexOf(s_allNames, n, 0, known) < 0).ToList();
        if (missing.Count > 0)
        {
            throw new IncompatibleModelException(
                $"The model needs features pipeline '{model.Version}' cannot produce ({string.Join(", ", missing)}): retrain it with this build.");
        }

        var usesHistory = model.FeatureNames.Any(n => Array.IndexOf(s_allNames, n) >= TransactionFeatures.Count);
        if (usesHistory && history is not null && HistoryMismatch(model.History, SignatureOf(history)) is { } mismatch)
        {
            throw new IncompatibleModelException(mismatch);
        }

        var columns = model.FeatureNames.Select(n => Array.IndexOf(s_allNames, n)).ToArray();
        return model.Version == CurrentVersion && columns.SequenceEqual(Full._columns) && model.History is { } kept
               && HistoryMismatch(kept, Full.Signature.History!) is null
            ? Full
            : new FeaturePipeline(model.Version, columns, model.History);
    }

    /// <summary>Writes the features of <paramref name="transaction"/> with no history (history features missing).</summary>
    public void Extract(Transaction transaction, Span<float> row) => Extract(transaction, [], row);

    /// <summary>
    /// Writes the features of <paramref name="transaction"/> into <paramref name="row"/> (length <see cref="FeatureCount"/>),
    /// its history features taken from <paramref name="history"/> (length <see cref="HistoryFeatures.Count"/>, or empty: missing).
    /// </summary>
    public void Extract(Transaction transaction, ReadOnlySpan<float> history, Span<float> row)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (row.Length != _columns.Length)
        {
            throw new ArgumentException($"A row has {_columns.Length} features, not {row.Length}.", nameof(row));
        }

        if (history.Length is not 0 && history.Length != HistoryFeatures.Count)
        {
            throw new ArgumentException($"History has {HistoryFeatures.Count} features, not {history.Length}.", nameof(history));
        }

        var all = IsIdentity ? row : stackalloc float[s_allCount];
        TransactionFeatures.Compute(transaction, all);
        var kept = all[TransactionFeatures.Count..];
        if (history.IsEmpty)
        {
            kept.Fill(float.NaN);
        }
        else
        {
            history.CopyTo(kept);
        }

        if (!IsIdentity)
        {
            for (var i = 0; i < _columns.Length; i++)
            {
                row[i] = all[_columns[i]];
            }
        }
    }

    /// <summary>
    /// Writes the rows of a batch, row-major, into <paramref name="rows"/> (length count × <see cref="FeatureCount"/>); the
    /// history features of row i are <paramref name="history"/>[i × <see cref="HistoryFeatures.Count"/> ...] (empty: missing).
    /// </summary>
    public void ExtractBatch(IReadOnlyList<Transaction> transactions, ReadOnlySpan<float> history, Span<float> rows)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        var width = _columns.Length;
        if (rows.Length < transactions.Count * width)
        {
            throw new ArgumentException($"{transactions.Count} rows need {transactions.Count * width} floats, not {rows.Length}.", nameof(rows));
        }

        var h = HistoryFeatures.Count;
        if (!history.IsEmpty && history.Length < transactions.Count * h)
        {
            throw new ArgumentException($"{transactions.Count} rows need {transactions.Count * h} history floats, not {history.Length}.", nameof(history));
        }

        for (var i = 0; i < transactions.Count; i++)
        {
            Extract(transactions[i], history.IsEmpty ? [] : history.Slice(i * h, h), rows.Slice(i * width, width));
        }
    }

    private static string? HistoryMismatch(HistorySignature? model, HistorySignature kept)
    {
        if (model is null)
        {
            return $"The model's metadata does not say how its history features were kept (pipeline '{CurrentVersion}' records it): retrain it with this build.";
        }

        if (!model.CardWindows.SequenceEqual(kept.CardWindows) || !model.EntityWindows.SequenceEqual(kept.EntityWindows))
        {
            return "The model was trained with other history windows than this build computes: retrain it with this build.";
        }

        if (model.Lateness != kept.Lateness || model.MaxEventsPerCard != kept.MaxEventsPerCard || model.MaxLabelsPerEntity != kept.MaxLabelsPerEntity)
        {
            return $"The model was trained with history kept with lateness {model.Lateness}, {model.MaxEventsPerCard} transactions per card and {model.MaxLabelsPerEntity} labels per entity, "
                + $"but this scorer keeps lateness {kept.Lateness}, {kept.MaxEventsPerCard} and {kept.MaxLabelsPerEntity}: set the History settings to the model's or retrain it.";
        }

        return null;
    }
}

/// <summary>A model that the feature pipeline of this build cannot feed.</summary>
public sealed class IncompatibleModelException(string message) : Exception(message);
