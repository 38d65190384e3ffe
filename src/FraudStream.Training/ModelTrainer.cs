using System.Globalization;
using FraudStream.Core.Features;
using FraudStream.Core.Features.History;
using FraudStream.Core.Models;
using FraudStream.Core.Transactions;
using FraudStream.Registry;
using FraudStream.Training.Data;
using FraudStream.Training.Evaluation;
using FraudStream.XGBoost;

namespace FraudStream.Training;

/// <summary>Progress of one boosting round, for a live display.</summary>
/// <param name="Round">Rounds done.</param>
/// <param name="ValidationPrAuc">PR-AUC on the validation split after this round.</param>
/// <param name="BestPrAuc">Best validation PR-AUC so far.</param>
/// <param name="BestRound">Round that reached it.</param>
public readonly record struct TrainingProgress(int Round, double ValidationPrAuc, double BestPrAuc, int BestRound);

/// <summary>A trained, evaluated model ready to publish, and the test split it was judged on.</summary>
/// <param name="Metadata">What metadata.json will say.</param>
/// <param name="Model">The model as UBJSON bytes.</param>
/// <param name="Report">A short human report (Markdown).</param>
/// <param name="TestRows">The test split, so another model can be judged on the same transactions.</param>
/// <param name="TestHistory">The test rows' history features (<see cref="HistoryFeatures.Count"/> per row), as the stream computes them.</param>
public sealed record TrainedModel(ModelMetadata Metadata, byte[] Model, string Report, IReadOnlyList<LabelledTransaction> TestRows, float[] TestHistory);

/// <summary>
/// Trains an XGBoost fraud model on labelled transactions: split by event time, class imbalance
/// weighted, early stopping on validation PR-AUC, threshold chosen on validation, judged on test.
/// </summary>
public sealed class ModelTrainer(TrainingOptions options, TimeProvider time)
{
    private readonly TrainingOptions _options = Validated(options);

    /// <summary>Trains on <paramref name="rows"/> read from <paramref name="source"/> (its SHA-256 in <paramref name="sourceSha256"/>).</summary>
    public TrainedModel Train(
        IReadOnlyList<LabelledTransaction> rows, string source, string sourceSha256,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default) =>
        Train(new TrainingSet(rows, new TrainingSource(source, sourceSha256)), progress, cancellation);

    /// <summary>Trains on <paramref name="data"/>: a file's rows or a stream's, the same way.</summary>
    public TrainedModel Train(TrainingSet data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var (rows, source) = (data.Rows, data.Source);
        var ordered = rows.OrderBy(r => r.Transaction.EventTime).ToList(); // stable: ties keep the file's order, as a stream would
        var history = HistoryReplay.Compute(ordered, data.Unlabelled, _options.History, _options.LabelDelay, data.WarmUp);
        var split = TimeSplit.ByEventTime(ordered, _options.TrainShare, _options.ValidationShare);
        var h = HistoryFeatures.Count;
        var validationStart = split.Train.Count * h;
        var testStart = validationStart + (split.Validation.Count * h);
        var pipeline = FeaturePipeline.WithHistory(_options.History);
        var train = FeatureMatrix.Build(pipeline, split.Train, history.AsSpan(0, validationStart));
        var validation = FeatureMatrix.Build(pipeline, split.Validation, history.AsSpan(validationStart, split.Validation.Count * h));
        var test = FeatureMatrix.Build(pipeline, split.Test, history.AsSpan(testStart));

        var frauds = train.Labels.Count(l => l > 0.5f);
        var parameters = _options.EffectiveParameters((train.Rows - frauds) / (double)frauds);

        using var trainMatrix = Matrix(train, pipeline);
        using var validationMatrix = Matrix(validation, pipeline);
        using var booster = Booster.Create(trainMatrix, validationMatrix);
        foreach (var (name, value) in parameters)
        {
            booster.SetParameter(name, value);
        }

        var bestRound = Boost(booster, trainMatrix, validationMatrix, progress, cancellation);
        booster.SetFeatureNames(pipeline.FeatureNames);
        var iterationEnd = bestRound + 1;

        var validationScores = Predict(booster, validation, iterationEnd);
        var testScores = Predict(booster, test, iterationEnd);
        var (threshold, rule) = ChooseThreshold(validationScores, validation.Labels);
        var metrics = new ModelEvaluation(
            Evaluate(validationScores, validation, threshold),
            Evaluate(testScores, test, threshold));

        var model = booster.SaveModelToBuffer(ModelFormat.Ubjson);
        var metadata = new ModelMetadata
        {
            Version = ModelVersion.Create(time),
            CreatedAt = time.GetUtcNow(),
            Pipeline = pipeline.Signature,
            ModelFile = "model.ubj",
            ModelSha256 = ModelRegistry.Sha256Hex(model),
            Threshold = threshold,
            ThresholdRule = rule,
            BestIteration = bestRound,
            Parameters = parameters,
            Metrics = metrics,
            TrainingData = new TrainingDataSummary(
                source.Name, source.Sha256, rows.Count, rows.Count(r => r.IsFraud) / (double)rows.Count,
                train.From, test.To, train.Rows, validation.Rows, test.Rows,
                new SplitRanges(new TimeRange(train.From, train.To), new TimeRange(validation.From, validation.To), new TimeRange(test.From, test.To)),
                source.Labels
                    ?? (rows.Any(r => r.LabelTime is not null)
                        ? "label_time column (rows without one: " + _options.LabelDelay.ToString("c", CultureInfo.InvariantCulture) + " after the event)"
                        : "fixed delay of " + _options.LabelDelay.ToString("c", CultureInfo.InvariantCulture) + " after the event"),
                source.Window),
            FeatureImportance = booster.FeatureImportance(ImportanceType.TotalGain)
                .OrderByDescending(kv => kv.Value)
                .ToDictionary(kv => kv.Key, kv => kv.Value),
            DriftReference = ReferenceDistributions.Build(train, pipeline.FeatureNames, testScores),
        };
        return new TrainedModel(metadata, model, TrainingReport.Write(metadata), split.Test, history[testStart..]);
    }

    /// <summary>
    /// Average precision of a model on labelled transactions, with the features its own pipeline binding
    /// produces: e.g. the production model on this run's test split.
    /// </summary>
    public static double PrAucOf(Booster booster, int iterationEnd, FeaturePipeline pipeline, IReadOnlyList<LabelledTransaction> rows, ReadOnlySpan<float> history)
    {
        ArgumentNullException.ThrowIfNull(booster);
        var data = FeatureMatrix.Build(pipeline, rows, history);
        return BinaryClassificationMetrics.AveragePrecision(Predict(booster, data, iterationEnd), data.Labels);
    }

    /// <returns>The round (0-based) with the best validation PR-AUC.</returns>
    private int Boost(
        Booster booster, DMatrix train, DMatrix validation, IProgress<TrainingProgress>? progress, CancellationToken cancellation)
    {
        var evaluationSets = new[] { (validation, "validation") };
        int bestRound = 0;
        var bestPrAuc = double.NegativeInfinity;
        for (var round = 0; round < _options.MaxRounds; round++)
        {
            cancellation.ThrowIfCancellationRequested();
            booster.UpdateOneIteration(round, train);
            var prAuc = booster.Evaluate(round, evaluationSets)["validation-aucpr"];
            if (prAuc > bestPrAuc)
            {
                bestPrAuc = prAuc;
                bestRound = round;
            }

            progress?.Report(new TrainingProgress(round + 1, prAuc, bestPrAuc, bestRound + 1));
            if (round - bestRound >= _options.EarlyStoppingRounds)
            {
                break;
            }
        }

        return bestRound;
    }

    private (float Threshold, string Rule) ChooseThreshold(float[] scores, float[] labels)
    {
        if (_options.TargetPrecision is { } target)
        {
            var threshold = BinaryClassificationMetrics.ThresholdForPrecision(scores, labels, target);
            if (threshold is { } t)
            {
                return (t, string.Create(CultureInfo.InvariantCulture, $"lowest threshold with precision >= {target:0.###} on validation"));
            }

            var best = BinaryClassificationMetrics.BestF1Threshold(scores, labels);
            return (best, string.Create(CultureInfo.InvariantCulture, $"best F1 on validation (no threshold reached precision {target:0.###})"));
        }

        return (BinaryClassificationMetrics.BestF1Threshold(scores, labels), "best F1 on validation");
    }

    private static SplitMetrics Evaluate(float[] scores, FeatureMatrix data, float threshold)
    {
        var confusion = BinaryClassificationMetrics.At(scores, data.Labels, threshold);
        return new SplitMetrics(
            data.Rows, data.FraudRate,
            BinaryClassificationMetrics.RocAuc(scores, data.Labels),
            BinaryClassificationMetrics.AveragePrecision(scores, data.Labels),
            confusion.Precision, confusion.Recall, confusion.F1,
            confusion.TruePositives, confusion.FalsePositives, confusion.TrueNegatives, confusion.FalseNegatives);
    }

    private static float[] Predict(Booster booster, FeatureMatrix data, int iterationEnd)
    {
        var scores = new float[data.Rows];
        booster.PredictDense(data.Features, data.Rows, data.Columns, scores, iterationEnd: iterationEnd);
        return scores;
    }

    private static DMatrix Matrix(FeatureMatrix data, FeaturePipeline pipeline)
    {
        var matrix = DMatrix.FromDense(data.Features, data.Rows, data.Columns);
        matrix.SetLabels(data.Labels);
        matrix.SetFeatureNames(pipeline.FeatureNames);
        return matrix;
    }

    private static TrainingOptions Validated(TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }
}
