using FraudStream.Core.Outputs;
using FraudStream.Core.Transactions;

namespace FraudStream.Serving;

/// <summary>
/// Scores batches of transactions with one model: features for the whole batch into one buffer, one predict call
/// (managed or native, Model:Evaluator), then feature contributions (approximate unless Model:ExactContributions) for the rows at or above the
/// threshold only (they explain alerts, and alerts are rare). Buffers are reused between batches, so an instance belongs to one thread (one scorer loop or one request).
/// </summary>
public sealed class TransactionScorer(int topFeatures)
{
    private float[] _features = [];
    private float[] _scores = [];
    private float[] _alertFeatures = [];
    private float[] _contributions = [];
    private int[] _alertRows = [];

    /// <summary>How many contributing features an explanation lists.</summary>
    public int TopFeatures { get; } = topFeatures >= 0 ? topFeatures : throw new ArgumentOutOfRangeException(nameof(topFeatures));

    /// <summary>
    /// Scores <paramref name="transactions"/> with <paramref name="model"/>, their history features in <paramref name="history"/>
    /// (<see cref="Core.Features.History.HistoryFeatures.Count"/> per row; empty: missing). The returned batch's spans
    /// stay valid until the next call.
    /// </summary>
    public ScoredBatch Score(ScoringModel model, IReadOnlyList<Transaction> transactions, ReadOnlySpan<float> history = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(transactions);
        var rows = transactions.Count;
        var width = model.FeatureCount;
        Grow(ref _features, rows * width);
        Grow(ref _scores, rows);
        Grow(ref _alertRows, rows);
        if (rows == 0)
        {
            return new ScoredBatch(this, model, 0, 0);
        }

        model.Pipeline.ExtractBatch(transactions, history, _features);
        model.Predict(_features, rows, _scores);

        var alerts = 0;
        for (var i = 0; i < rows; i++)
        {
            if (_scores[i] >= model.Threshold)
            {
                _alertRows[alerts++] = i;
            }
        }

        if (alerts > 0 && TopFeatures > 0)
        {
            ExplainAlerts(model, alerts);
        }

        return new ScoredBatch(this, model, rows, alerts);
    }

    /// <summary>Contributions of the first <paramref name="alerts"/> rows of <see cref="_alertRows"/>, their features copied together first.</summary>
    private void ExplainAlerts(ScoringModel model, int alerts)
    {
        var width = model.FeatureCount;
        Grow(ref _alertFeatures, alerts * width);
        Grow(ref _contributions, alerts * (width + 1));
        for (var a = 0; a < alerts; a++)
        {
            _features.AsSpan(_alertRows[a] * width, width).CopyTo(_alertFeatures.AsSpan(a * width, width));
        }

        model.Explain(_alertFeatures, alerts, _contributions);
    }

    /// <summary>
    /// Takes <paramref name="transactions"/> through every step an alert takes, as if each row alerted: features, predict,
    /// contributions, top features. Run on made-up rows before the first real batch, so the JIT compiles the alert path
    /// then and not while records wait. Returns the number of top features found (nothing else is kept).
    /// </summary>
    public int WarmUp(ScoringModel model, IReadOnlyList<Transaction> transactions, ReadOnlySpan<float> history = default)
    {
        var rows = Score(model, transactions, history).Rows;
        for (var row = 0; row < rows; row++)
        {
            _alertRows[row] = row;
        }

        ExplainAlerts(model, rows);
        var found = 0;
        for (var row = 0; row < rows; row++)
        {
            found += Explain(model, row).Count;
        }

        return found;
    }

    /// <summary>The features that pushed alert <paramref name="alert"/>'s score up most, largest contribution first.</summary>
    internal IReadOnlyList<FeatureContribution> Explain(ScoringModel model, int alert)
    {
        if (TopFeatures == 0)
        {
            return [];
        }

        var width = model.FeatureCount;
        var contributions = _contributions.AsSpan(alert * (width + 1), width);
        var values = _alertFeatures.AsSpan(alert * width, width);
        var top = new List<FeatureContribution>(TopFeatures);
        Span<bool> taken = stackalloc bool[width];
        for (var k = 0; k < TopFeatures; k++)
        {
            var best = -1;
            for (var j = 0; j < width; j++)
            {
                if (!taken[j] && contributions[j] > 0 && (best < 0 || contributions[j] > contributions[best]))
                {
                    best = j;
                }
            }

            if (best < 0)
            {
                break; // fewer features pushed the score up than asked for
            }

            taken[best] = true;
            top.Add(new FeatureContribution(model.Pipeline.FeatureNames[best], values[best], contributions[best]));
        }

        return top;
    }

    internal float ScoreOf(int row) => _scores[row];

    internal ReadOnlySpan<float> FeaturesOf(ScoringModel model, int row) => _features.AsSpan(row * model.FeatureCount, model.FeatureCount);

    internal ReadOnlySpan<float> FeatureRowsOf(int rows, int width) => _features.AsSpan(0, rows * width);

    internal ReadOnlySpan<float> ScoresOf(int rows) => _scores.AsSpan(0, rows);

    internal int AlertRow(int alert) => _alertRows[alert];

    private static void Grow<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[Math.Max(length, buffer.Length * 2)];
        }
    }
}

/// <summary>The result of <see cref="TransactionScorer.Score"/>: a score per row and the rows at or above the threshold.</summary>
public readonly struct ScoredBatch
{
    private readonly TransactionScorer _scorer;

    internal ScoredBatch(TransactionScorer scorer, ScoringModel model, int rows, int alertCount)
    {
        _scorer = scorer;
        Model = model;
        Rows = rows;
        AlertCount = alertCount;
    }

    /// <summary>The model that scored the batch.</summary>
    public ScoringModel Model { get; }

    /// <summary>Number of rows scored.</summary>
    public int Rows { get; }

    /// <summary>Number of rows at or above the threshold.</summary>
    public int AlertCount { get; }

    /// <summary>The fraud probability of row <paramref name="row"/>.</summary>
    public float Score(int row) => _scorer.ScoreOf(row);

    /// <summary>The features row <paramref name="row"/> was scored with, in the model's column order (NaN: missing).</summary>
    public ReadOnlySpan<float> Features(int row) => _scorer.FeaturesOf(Model, row);

    /// <summary>The rows' features as the model saw them, row-major (<see cref="Rows"/> × the model's feature count).</summary>
    public ReadOnlySpan<float> FeatureRows => Rows == 0 ? [] : _scorer.FeatureRowsOf(Rows, Model.FeatureCount);

    /// <summary>The rows' fraud probabilities.</summary>
    public ReadOnlySpan<float> Scores => Rows == 0 ? [] : _scorer.ScoresOf(Rows);

    /// <summary>The row index of the <paramref name="alert"/>-th alert (rows in batch order).</summary>
    public int AlertRow(int alert) => _scorer.AlertRow(alert);

    /// <summary>The top contributing features of the <paramref name="alert"/>-th alert.</summary>
    public IReadOnlyList<FeatureContribution> TopFeatures(int alert) => _scorer.Explain(Model, alert);
}
