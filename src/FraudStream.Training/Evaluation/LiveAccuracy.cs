namespace FraudStream.Training.Evaluation;

/// <summary>How one model version did over one window of scored transactions, from the labels known at the time.</summary>
/// <param name="Version">The model version that scored them.</param>
/// <param name="Window">Transactions with an event time in (now − window, now].</param>
/// <param name="Scored">Transactions it scored in the window.</param>
/// <param name="Alerts">Of them, at or above its threshold (alerts, or would-be alerts for a challenger).</param>
/// <param name="Known">Of them, with a known outcome: labelled, or older than the label maturity without a fraud label (genuine).</param>
/// <param name="Frauds">Known frauds.</param>
/// <param name="TruePositives">Known frauds alerted.</param>
/// <param name="FalsePositives">Known genuine transactions alerted.</param>
/// <param name="PrAuc">Average precision of the scores over the known transactions (NaN without a fraud).</param>
public sealed record AccuracyReport(
    string Version, TimeSpan Window, int Scored, int Alerts, int Known, int Frauds, int TruePositives, int FalsePositives, double PrAuc)
{
    /// <summary>Alerted frauds over alerts with a known outcome (NaN without any).</summary>
    public double Precision => TruePositives + FalsePositives == 0 ? double.NaN : TruePositives / (double)(TruePositives + FalsePositives);

    /// <summary>Alerted frauds over known frauds (NaN without any).</summary>
    public double Recall => Frauds == 0 ? double.NaN : TruePositives / (double)Frauds;

    /// <summary>Alerts over transactions scored (NaN when none were).</summary>
    public double AlertRate => Scored == 0 ? double.NaN : Alerts / (double)Scored;

    /// <summary>Transactions with a known outcome over transactions scored (NaN when none were).</summary>
    public double LabelCoverage => Scored == 0 ? double.NaN : Known / (double)Scored;
}

/// <summary>
/// Live accuracy: scores (each model version's, production's and a challenger's alike) joined with labels by
/// transaction id as both arrive, in any order, reported per version over sliding event-time windows.
/// </summary>
/// <remarks>
/// Chargebacks come for frauds only and late, so a transaction's outcome is its latest label if it has one (a later
/// label time wins: an analyst's correction); without one it is genuine once it is older than
/// <paramref name="maturity"/> (no chargeback came in time), and unknown before that: unknown transactions count in
/// <see cref="AccuracyReport.Scored"/> and the alert rate, not in precision, recall or PR-AUC. Not thread-safe.
/// </remarks>
public sealed class LiveAccuracy(TimeSpan maturity)
{
    private readonly Dictionary<string, Dictionary<string, Scored>> _scores = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (bool IsFraud, DateTimeOffset LabelTime, DateTimeOffset EventTime)> _labels = new(StringComparer.Ordinal);

    /// <summary>How long after a transaction a missing fraud label means genuine.</summary>
    public TimeSpan Maturity { get; } = maturity >= TimeSpan.Zero ? maturity : throw new ArgumentOutOfRangeException(nameof(maturity));

    /// <summary>Scores held, over all versions.</summary>
    public int ScoreCount => _scores.Values.Sum(v => v.Count);

    /// <summary>Labels held.</summary>
    public int LabelCount => _labels.Count;

    /// <summary>Takes in one score of <paramref name="version"/>; a repeated one replaces the first.</summary>
    public void Score(string version, string transactionId, float score, float threshold, DateTimeOffset eventTime)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        ArgumentException.ThrowIfNullOrEmpty(transactionId);
        if (!_scores.TryGetValue(version, out var scores))
        {
            _scores[version] = scores = new(StringComparer.Ordinal);
        }

        scores[transactionId] = new Scored(score, threshold, eventTime);
    }

    /// <summary>Takes in one label; of several for one transaction the one with the latest label time counts.</summary>
    public void Label(string transactionId, bool isFraud, DateTimeOffset eventTime, DateTimeOffset labelTime)
    {
        ArgumentException.ThrowIfNullOrEmpty(transactionId);
        if (!_labels.TryGetValue(transactionId, out var known) || labelTime >= known.LabelTime)
        {
            _labels[transactionId] = (isFraud, labelTime, eventTime);
        }
    }

    /// <summary>Drops scores and labels of transactions before <paramref name="eventTime"/> (older than every window reported).</summary>
    public void Forget(DateTimeOffset eventTime)
    {
        foreach (var scores in _scores.Values)
        {
            foreach (var (id, s) in scores)
            {
                if (s.EventTime < eventTime)
                {
                    scores.Remove(id);
                }
            }
        }

        foreach (var (id, label) in _labels)
        {
            if (label.EventTime < eventTime)
            {
                _labels.Remove(id);
            }
        }

        foreach (var (version, scores) in _scores)
        {
            if (scores.Count == 0)
            {
                _scores.Remove(version);
            }
        }
    }

    /// <summary>Each version's accuracy over each window ending at <paramref name="now"/>, versions in ordinal order.</summary>
    public IReadOnlyList<AccuracyReport> Report(DateTimeOffset now, IReadOnlyList<TimeSpan> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var reports = new List<AccuracyReport>();
        foreach (var (version, scores) in _scores.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            foreach (var window in windows)
            {
                reports.Add(ReportOne(version, scores, now, window));
            }
        }

        return reports;
    }

    /// <summary>
    /// Two versions' accuracy over one window, on the transactions both scored only: a fair comparison of a challenger
    /// that started later than production. Null when either version has no scores.
    /// </summary>
    public (AccuracyReport First, AccuracyReport Second)? Compare(string first, string second, DateTimeOffset now, TimeSpan window)
    {
        if (!_scores.TryGetValue(first, out var a) || !_scores.TryGetValue(second, out var b))
        {
            return null;
        }

        var sharedA = a.Where(s => b.ContainsKey(s.Key)).ToDictionary(StringComparer.Ordinal);
        var sharedB = b.Where(s => a.ContainsKey(s.Key)).ToDictionary(StringComparer.Ordinal);
        return (ReportOne(first, sharedA, now, window), ReportOne(second, sharedB, now, window));
    }

    private AccuracyReport ReportOne(string version, Dictionary<string, Scored> scores, DateTimeOffset now, TimeSpan window)
    {
        int scored = 0, alerts = 0, frauds = 0, tp = 0, fp = 0;
        var knownScores = new List<float>();
        var knownLabels = new List<float>();
        foreach (var (id, s) in scores)
        {
            if (s.EventTime > now || s.EventTime <= now - window)
            {
                continue;
            }

            scored++;
            var alert = s.Score >= s.Threshold;
            alerts += alert ? 1 : 0;
            bool fraud;
            if (_labels.TryGetValue(id, out var label) && label.LabelTime <= now)
            {
                fraud = label.IsFraud;
            }
            else if (s.EventTime <= now - Maturity)
            {
                fraud = false; // no chargeback in time: genuine
            }
            else
            {
                continue; // its outcome may still come
            }

            knownScores.Add(s.Score);
            knownLabels.Add(fraud ? 1 : 0);
            frauds += fraud ? 1 : 0;
            tp += alert && fraud ? 1 : 0;
            fp += alert && !fraud ? 1 : 0;
        }

        var prAuc = BinaryClassificationMetrics.AveragePrecision(knownScores.ToArray(), knownLabels.ToArray());
        return new AccuracyReport(version, window, scored, alerts, knownScores.Count, frauds, tp, fp, prAuc);
    }

    private readonly record struct Scored(float Score, float Threshold, DateTimeOffset EventTime);
}

/// <summary>Whether a challenger's live accuracy earns it production: better PR-AUC on the same transactions, with enough known frauds.</summary>
public static class ChallengerVerdict
{
    /// <summary>The decision and one sentence saying why, with the numbers.</summary>
    public static (bool Promote, string Reason) Decide(AccuracyReport production, AccuracyReport challenger, int minimumFrauds, double margin)
    {
        ArgumentNullException.ThrowIfNull(production);
        ArgumentNullException.ThrowIfNull(challenger);
        var facts = FormattableString.Invariant(
            $"live PR-AUC {challenger.PrAuc:0.0000} vs production {production.Version}'s {production.PrAuc:0.0000} over {challenger.Window.TotalDays:0.##} d on {challenger.Scored:N0} transactions both scored ({challenger.Frauds:N0} known frauds)");
        if (challenger.Frauds < minimumFrauds)
        {
            return (false, FormattableString.Invariant($"Not enough known frauds to judge: {challenger.Frauds:N0} of the {minimumFrauds:N0} required; {facts}."));
        }

        if (!double.IsFinite(challenger.PrAuc) || !double.IsFinite(production.PrAuc))
        {
            return (false, $"No PR-AUC to compare yet; {facts}.");
        }

        return challenger.PrAuc > production.PrAuc + margin
            ? (true, FormattableString.Invariant($"Challenger {challenger.Version} beats production by more than {margin:0.####}: {facts}."))
            : (false, FormattableString.Invariant($"Challenger {challenger.Version} does not beat production by more than {margin:0.####}: {facts}."));
    }
}
