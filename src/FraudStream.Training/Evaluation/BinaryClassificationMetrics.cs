namespace FraudStream.Training.Evaluation;

/// <summary>Ranking and threshold metrics of fraud scores against labels.</summary>
public static class BinaryClassificationMetrics
{
    /// <summary>
    /// Area under the ROC curve: the probability that a random fraud scores above a random genuine
    /// transaction (ties count one half). NaN when a class is absent.
    /// </summary>
    public static double RocAuc(ReadOnlySpan<float> scores, ReadOnlySpan<float> labels)
    {
        var order = Descending(scores);
        double positives = 0, negatives = 0, area = 0;
        for (var i = 0; i < order.Length;)
        {
            // A group of equal scores: its negatives rank below the positives seen so far,
            // and level with the group's own positives.
            double groupPositives = 0, groupNegatives = 0;
            var score = scores[order[i]];
            for (; i < order.Length && scores[order[i]] == score; i++)
            {
                if (labels[order[i]] > 0.5f) { groupPositives++; } else { groupNegatives++; }
            }

            area += groupNegatives * (positives + groupPositives / 2);
            positives += groupPositives;
            negatives += groupNegatives;
        }

        return positives == 0 || negatives == 0 ? double.NaN : area / (positives * negatives);
    }

    /// <summary>
    /// Average precision (the area under the precision-recall curve as a step function): the mean of
    /// the precision at each threshold, weighted by the recall it adds. Equal scores form one threshold.
    /// NaN when there is no fraud.
    /// </summary>
    public static double AveragePrecision(ReadOnlySpan<float> scores, ReadOnlySpan<float> labels)
    {
        var order = Descending(scores);
        double totalPositives = 0;
        foreach (var label in labels)
        {
            totalPositives += label > 0.5f ? 1 : 0;
        }

        if (totalPositives == 0)
        {
            return double.NaN;
        }

        double truePositives = 0, alerted = 0, ap = 0;
        for (var i = 0; i < order.Length;)
        {
            var score = scores[order[i]];
            double groupPositives = 0;
            for (; i < order.Length && scores[order[i]] == score; i++)
            {
                alerted++;
                groupPositives += labels[order[i]] > 0.5f ? 1 : 0;
            }

            truePositives += groupPositives;
            ap += groupPositives / totalPositives * (truePositives / alerted);
        }

        return ap;
    }

    /// <summary>Counts at a threshold: a score at or above it is an alert.</summary>
    public static ConfusionMatrix At(ReadOnlySpan<float> scores, ReadOnlySpan<float> labels, float threshold)
    {
        int tp = 0, fp = 0, tn = 0, fn = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            var fraud = labels[i] > 0.5f;
            var alert = scores[i] >= threshold;
            if (alert && fraud) { tp++; } else if (alert) { fp++; } else if (fraud) { fn++; } else { tn++; }
        }

        return new ConfusionMatrix(tp, fp, tn, fn);
    }

    /// <summary>The threshold with the best F1 (the highest such threshold when several tie).</summary>
    public static float BestF1Threshold(ReadOnlySpan<float> scores, ReadOnlySpan<float> labels) =>
        Sweep(scores, labels, (c, best) => c.F1 > best.F1);

    /// <summary>
    /// The lowest threshold whose precision is at least <paramref name="targetPrecision"/> (most recall at
    /// that precision); null when no threshold reaches it.
    /// </summary>
    public static float? ThresholdForPrecision(ReadOnlySpan<float> scores, ReadOnlySpan<float> labels, double targetPrecision)
    {
        var found = false;
        var threshold = Sweep(scores, labels, (c, best) =>
        {
            var qualifies = c.TruePositives > 0 && c.Precision >= targetPrecision;
            found |= qualifies;
            return qualifies && c.Recall > best.Recall;
        });
        return found ? threshold : null;
    }

    /// <summary>Walks thresholds from the highest score down and keeps the one <paramref name="better"/> prefers.</summary>
    private static float Sweep(ReadOnlySpan<float> scores, ReadOnlySpan<float> labels, Func<ConfusionMatrix, ConfusionMatrix, bool> better)
    {
        var order = Descending(scores);
        var positives = 0;
        foreach (var label in labels)
        {
            positives += label > 0.5f ? 1 : 0;
        }

        var negatives = scores.Length - positives;
        var best = new ConfusionMatrix(0, 0, negatives, positives);
        var bestThreshold = float.PositiveInfinity;
        int tp = 0, fp = 0;
        for (var i = 0; i < order.Length;)
        {
            var score = scores[order[i]];
            for (; i < order.Length && scores[order[i]] == score; i++)
            {
                if (labels[order[i]] > 0.5f) { tp++; } else { fp++; }
            }

            var candidate = new ConfusionMatrix(tp, fp, negatives - fp, positives - tp);
            if (better(candidate, best))
            {
                best = candidate;
                bestThreshold = score;
            }
        }

        return bestThreshold;
    }

    private static int[] Descending(ReadOnlySpan<float> scores)
    {
        var order = new int[scores.Length];
        var keys = new float[scores.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
            keys[i] = -scores[i];
        }

        Array.Sort(keys, order);
        return order;
    }
}

/// <summary>Alert outcomes at one threshold.</summary>
/// <param name="TruePositives">Fraud alerted.</param>
/// <param name="FalsePositives">Genuine alerted.</param>
/// <param name="TrueNegatives">Genuine not alerted.</param>
/// <param name="FalseNegatives">Fraud missed.</param>
public readonly record struct ConfusionMatrix(int TruePositives, int FalsePositives, int TrueNegatives, int FalseNegatives)
{
    /// <summary>Share of alerts that are fraud (1 when nothing is alerted).</summary>
    public double Precision => TruePositives + FalsePositives == 0 ? 1 : TruePositives / (double)(TruePositives + FalsePositives);

    /// <summary>Share of fraud alerted.</summary>
    public double Recall => TruePositives + FalseNegatives == 0 ? 0 : TruePositives / (double)(TruePositives + FalseNegatives);

    /// <summary>Harmonic mean of precision and recall.</summary>
    public double F1 => TruePositives == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);
}
