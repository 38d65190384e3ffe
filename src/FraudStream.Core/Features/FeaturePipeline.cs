using FraudStream.Core.Models;
using FraudStream.Core.Transactions;

namespace FraudStream.Core.Features;

/// <summary>
/// The one code path from a <see cref="Transaction"/> to the float row a model scores: training,
/// the streaming scorer and <c>/predict</c> all call <see cref="Extract"/>, so a transaction gets the
/// same features, and the same score, everywhere.
/// </summary>
/// <remarks>
/// An instance produces the features of one model, in that model's column order
/// (<see cref="For"/>). Features that need history (per-card time windows) will live behind this same
/// instance, so callers do not change when the pipeline gains state.
/// Missing inputs (no coordinates, a non-numeric MCC) become NaN, which XGBoost treats as missing.
/// </remarks>
public sealed class FeaturePipeline
{
    /// <summary>Version of the feature definitions; a model records it, and a change here means retraining.</summary>
    public const string CurrentVersion = "tx-v1";

    private readonly int[] _columns;

    private FeaturePipeline(int[] columns)
    {
        _columns = columns;
        FeatureNames = Array.ConvertAll(columns, c => TransactionFeatures.Names[c]);
        Signature = new PipelineSignature(CurrentVersion, FeatureNames);
        IsIdentity = columns.Length == TransactionFeatures.Count && columns.Select((c, i) => c == i).All(x => x);
    }

    /// <summary>The pipeline with every feature it knows, in its own order: what the trainer uses.</summary>
    public static FeaturePipeline Full { get; } = new(Enumerable.Range(0, TransactionFeatures.Count).ToArray());

    /// <summary>Feature names in column order.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Number of columns a row has.</summary>
    public int FeatureCount => _columns.Length;

    /// <summary>Version and feature names, as recorded in a model's metadata.</summary>
    public PipelineSignature Signature { get; }

    private bool IsIdentity { get; }

    /// <summary>
    /// The pipeline that feeds a model with <paramref name="model"/>'s signature, in its column order.
    /// </summary>
    /// <exception cref="IncompatibleModelException">The model was trained with another pipeline version
    /// or needs features this pipeline cannot produce.</exception>
    public static FeaturePipeline For(PipelineSignature model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Version != CurrentVersion)
        {
            throw new IncompatibleModelException(
                $"The model was trained with feature pipeline '{model.Version}' but this build has '{CurrentVersion}': retrain it with this build.");
        }

        var missing = model.FeatureNames.Where(n => TransactionFeatures.IndexOf(n) < 0).ToList();
        if (missing.Count > 0)
        {
            throw new IncompatibleModelException(
                $"The model needs features this pipeline cannot produce ({string.Join(", ", missing)}): retrain it with this build.");
        }

        var columns = model.FeatureNames.Select(TransactionFeatures.IndexOf).ToArray();
        return columns.SequenceEqual(Full._columns) ? Full : new FeaturePipeline(columns);
    }

    /// <summary>Writes the features of <paramref name="transaction"/> into <paramref name="row"/> (length <see cref="FeatureCount"/>).</summary>
    public void Extract(Transaction transaction, Span<float> row)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (row.Length != _columns.Length)
        {
            throw new ArgumentException($"A row has {_columns.Length} features, not {row.Length}.", nameof(row));
        }

        if (IsIdentity)
        {
            TransactionFeatures.Compute(transaction, row);
            return;
        }

        Span<float> all = stackalloc float[TransactionFeatures.Count];
        TransactionFeatures.Compute(transaction, all);
        for (var i = 0; i < _columns.Length; i++)
        {
            row[i] = all[_columns[i]];
        }
    }

    /// <summary>Writes the rows of a batch, row-major, into <paramref name="rows"/> (length count × <see cref="FeatureCount"/>).</summary>
    public void ExtractBatch(IReadOnlyList<Transaction> transactions, Span<float> rows)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        var width = _columns.Length;
        if (rows.Length < transactions.Count * width)
        {
            throw new ArgumentException($"{transactions.Count} rows need {transactions.Count * width} floats, not {rows.Length}.", nameof(rows));
        }

        for (var i = 0; i < transactions.Count; i++)
        {
            Extract(transactions[i], rows.Slice(i * width, width));
        }
    }
}

/// <summary>A model that the feature pipeline of this build cannot feed.</summary>
public sealed class IncompatibleModelException(string message) : Exception(message);
