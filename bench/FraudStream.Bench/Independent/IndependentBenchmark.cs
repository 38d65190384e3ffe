using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using FraudStream.Core.Features;
using FraudStream.Core.Features.History;
using FraudStream.Core.Models;
using FraudStream.Core.Transactions;
using FraudStream.Training;
using FraudStream.Training.Data;
using FraudStream.Training.Evaluation;
using FraudStream.XGBoost;

namespace FraudStream.Bench.Independent;

/// <summary>
/// `independent [customers] [days] [seed] [csv]`: detection quality on a dataset made the way an outsider would make one
/// (<see cref="HandbookSimulator"/>), written as a labelled-transactions CSV with raw fields only and read back as
/// `fraudstream train` reads it. Compares, on the same time split: the product's model (ModelTrainer, default options),
/// the same booster on the stateless tx-v1 features, and a plain XGBoost on the handbook's hand-made features.
/// </summary>
internal static class IndependentBenchmark
{
    private const int Terminals = 10_000;

    private sealed record Result(string Model, double PrAuc, double RocAuc, float Threshold, ConfusionMatrix AtThreshold, double TerminalRecall, double CardRecall);

    public static int Run(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var customers = 5_000;
        var days = 150;
        var seed = 1;
        if (args.Length > 4
            || (args.Length > 0 && !(int.TryParse(args[0], CultureInfo.InvariantCulture, out customers) && customers is >= 100 and <= 1_000_000))
            || (args.Length > 1 && !(int.TryParse(args[1], CultureInfo.InvariantCulture, out days) && days is >= 60 and <= 3_650))
            || (args.Length > 2 && !int.TryParse(args[2], CultureInfo.InvariantCulture, out seed)))
        {
            Console.Error.WriteLine("Usage: independent [customers, 100-1000000, default 5000] [days, 60-3650, default 150] [seed, default 1] [csv path]");
            return 2;
        }

        var csv = args.Length > 3 ? Path.GetFullPath(args[3]) : Path.Combine(Path.GetTempPath(), $"fsbench-independent-{customers}x{days}-seed{seed}.csv");
        var clock = Stopwatch.StartNew();

        var simulated = new HandbookSimulator(customers, Terminals, days, seed).Simulate();
        WriteCsv(csv, simulated);
        Console.WriteLine($"dataset: {csv}: {simulated.Count:N0} transactions, {customers:N0} cards, {Terminals:N0} terminals, {days} days, seed {seed} ({clock.Elapsed.TotalSeconds:0}s)");
        foreach (var group in simulated.GroupBy(r => r.Scenario).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  {group.Key}: {group.Count():N0} rows");
        }

        // Read back exactly as `fraudstream train` does: the CSV reader, then ModelTrainer with default options.
        List<LabelledTransaction> rows;
        string sha256;
        using (var stream = File.OpenRead(csv))
        {
            sha256 = Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        using (var reader = new StreamReader(csv))
        {
            rows = LabelledTransactionCsv.Read(reader, Path.GetFileName(csv)).ToList();
        }

        var options = new TrainingOptions();
        var trained = new ModelTrainer(options, TimeProvider.System).Train(rows, Path.GetFileName(csv), sha256);
        Console.WriteLine($"product model trained ({clock.Elapsed.TotalSeconds:0}s): best round {trained.Metadata.BestIteration + 1}, threshold {trained.Metadata.Threshold:0.####} ({trained.Metadata.ThresholdRule})");
        var product = ProductResult(trained);

        // The other models use the trainer's own time split of the same rows.
        var ordered = rows.OrderBy(r => r.Transaction.EventTime).ToList();
        var split = TimeSplit.ByEventTime(ordered, options.TrainShare, options.ValidationShare);
        if (split.Test.Count != trained.TestRows.Count || !ReferenceEquals(split.Test[0], trained.TestRows[0]))
        {
            throw new InvalidOperationException("The benchmark's split differs from the trainer's: the comparison would not be on the same rows.");
        }

        var stateless = StatelessResult(split, options);
        Console.WriteLine($"tx-v1 model trained ({clock.Elapsed.TotalSeconds:0}s)");
        var handMade = HandMadeResult("plain XGBoost, hand-made features", ordered, split, options, terminalWindowsEndAtTransaction: false);
        Console.WriteLine($"hand-made baseline trained ({clock.Elapsed.TotalSeconds:0}s)");
        var ablation = HandMadeResult("ablation: hand-made, terminal windows ending at t (as tx-v2)", ordered, split, options, terminalWindowsEndAtTransaction: true);
        Console.WriteLine($"ablation trained ({clock.Elapsed.TotalSeconds:0}s)");

        var test = split.Test;
        Console.WriteLine();
        Console.WriteLine($"test split: {test.Count:N0} rows, {test[0].Transaction.EventTime:yyyy-MM-dd} to {test[^1].Transaction.EventTime:yyyy-MM-dd}, "
                          + $"{test.Count(r => r.IsFraud):N0} fraud ({test.Count(r => r.Scenario == HandbookSimulator.CompromisedTerminal):N0} compromised terminal, "
                          + $"{test.Count(r => r.Scenario == HandbookSimulator.CompromisedCustomer):N0} compromised card, "
                          + $"{test.Count(r => r.Scenario == HandbookSimulator.AmountOver220):N0} amount > 220)");
        Console.WriteLine();
        Console.WriteLine("| model | test PR-AUC | test ROC-AUC | threshold | precision | recall (all fraud) | recall (compromised terminal) | recall (compromised card) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in new[] { product, stateless, handMade, ablation })
        {
            Console.WriteLine($"| {r.Model} | {r.PrAuc:0.000} | {r.RocAuc:0.000} | {r.Threshold:0.000} | {r.AtThreshold.Precision:0.000} | {r.AtThreshold.Recall:0.000} | {r.TerminalRecall:0.000} | {r.CardRecall:0.000} |");
        }

        Console.WriteLine();
        Console.WriteLine("Thresholds: the product model's is its metadata threshold; the others' are chosen the same way (best F1 on validation).");
        Console.WriteLine("Product model's top features (total gain): " + string.Join(", ", trained.Metadata.FeatureImportance!.Take(8).Select(kv => kv.Key)));
        Console.WriteLine($"total {clock.Elapsed.TotalSeconds:0}s");
        return 0;
    }

    /// <summary>The labelled-transactions CSV without label_time, raw fields only: the terminal is also the merchant, card_present 0.</summary>
    private static void WriteCsv(string path, List<SimulatedTransaction> rows)
    {
        var start = new DateTimeOffset(2018, 4, 1, 0, 0, 0, TimeSpan.Zero);
        using var writer = new StreamWriter(path);
        var columns = LabelledTransactionCsv.Columns;
        writer.Write(string.Join(',', columns.Take(columns.Count - 1)));
        writer.Write('\n');
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            var terminal = $"T{r.Terminal:D5}";
            var time = start.AddSeconds(r.Seconds).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

            // transaction_id, card_id, event_time, amount, currency, merchant_id, merchant_category, channel, card_present,
            // terminal_id, merchant_country, merchant_latitude, merchant_longitude, cardholder_latitude, cardholder_longitude, is_fraud, scenario
            writer.Write($"tx{i:D8},C{r.Customer:D5},{time},{r.Amount:0.##},,{terminal},,,0,{terminal},,,,,,{(r.IsFraud ? 1 : 0)},{r.Scenario}\n");
        }
    }

    private static Result ProductResult(TrainedModel trained)
    {
        var metadata = trained.Metadata;
        using var booster = Booster.LoadModelFromBuffer(trained.Model);
        var data = FeatureMatrix.Build(FeaturePipeline.For(metadata.Pipeline), trained.TestRows, trained.TestHistory);
        var scores = Predict(booster, data, metadata.BestIteration + 1);
        var prAuc = BinaryClassificationMetrics.AveragePrecision(scores, data.Labels);
        if (Math.Abs(prAuc - metadata.Metrics.Test.PrAuc) > 1e-9)
        {
            throw new InvalidOperationException($"Rescored test PR-AUC {prAuc} differs from the trainer's {metadata.Metrics.Test.PrAuc}.");
        }

        return Judge("fraudstream train (tx-v2, history)", trained.TestRows, scores, data.Labels, metadata.Threshold);
    }

    private static Result StatelessResult(TimeSplit split, TrainingOptions options)
    {
        var names = FeaturePipeline.Full.FeatureNames.Where(n => !HistoryFeatures.Names.Contains(n)).ToList();
        var pipeline = FeaturePipeline.For(new PipelineSignature(FeaturePipeline.StatelessVersion, names));
        var train = FeatureMatrix.Build(pipeline, split.Train, []);
        var validation = FeatureMatrix.Build(pipeline, split.Validation, []);
        var test = FeatureMatrix.Build(pipeline, split.Test, []);
        return TrainAndJudge(
            "same trainer, tx-v1 features only", options,
            (train.Features, train.Labels), (validation.Features, validation.Labels), (test.Features, test.Labels), pipeline.FeatureCount, split.Test);
    }

    private static Result HandMadeResult(
        string model, List<LabelledTransaction> ordered, TimeSplit split, TrainingOptions options, bool terminalWindowsEndAtTransaction)
    {
        var features = HandMadeFeatures.Compute(ordered, terminalWindowsEndAtTransaction);
        var width = HandMadeFeatures.Names.Count;
        var labels = ordered.Select(r => r.IsFraud ? 1f : 0f).ToArray();
        var (nTrain, nValidation) = (split.Train.Count, split.Validation.Count);
        (float[], float[]) Part(int from, int count) => (features[(from * width)..((from + count) * width)], labels[from..(from + count)]);
        return TrainAndJudge(
            model, options,
            Part(0, nTrain), Part(nTrain, nValidation), Part(nTrain + nValidation, split.Test.Count), width, split.Test);
    }

    /// <summary>The trainer's recipe: default parameters, scale_pos_weight = genuine/fraud in training, early stopping on validation PR-AUC.</summary>
    private static Result TrainAndJudge(
        string model, TrainingOptions options, (float[] X, float[] Y) train, (float[] X, float[] Y) validation, (float[] X, float[] Y) test,
        int columns, IReadOnlyList<LabelledTransaction> testRows)
    {
        using var trainMatrix = DMatrix.FromDense(train.X, train.Y.Length, columns);
        trainMatrix.SetLabels(train.Y);
        using var validationMatrix = DMatrix.FromDense(validation.X, validation.Y.Length, columns);
        validationMatrix.SetLabels(validation.Y);
        using var booster = Booster.Create(trainMatrix, validationMatrix);
        var frauds = train.Y.Count(l => l > 0.5f);
        foreach (var (name, value) in options.EffectiveParameters((train.Y.Length - frauds) / (double)frauds))
        {
            booster.SetParameter(name, value);
        }

        var sets = new[] { (validationMatrix, "validation") };
        var (bestRound, best) = (0, double.NegativeInfinity);
        for (var round = 0; round < options.MaxRounds && round - bestRound < options.EarlyStoppingRounds; round++)
        {
            booster.UpdateOneIteration(round, trainMatrix);
            var prAuc = booster.Evaluate(round, sets)["validation-aucpr"];
            if (prAuc > best)
            {
                (bestRound, best) = (round, prAuc);
            }
        }

        var validationScores = new float[validation.Y.Length];
        booster.PredictDense(validation.X, validation.Y.Length, columns, validationScores, iterationEnd: bestRound + 1);
        var threshold = BinaryClassificationMetrics.BestF1Threshold(validationScores, validation.Y);
        var scores = new float[test.Y.Length];
        booster.PredictDense(test.X, test.Y.Length, columns, scores, iterationEnd: bestRound + 1);
        return Judge(model, testRows, scores, test.Y, threshold);
    }

    private static Result Judge(string model, IReadOnlyList<LabelledTransaction> rows, float[] scores, float[] labels, float threshold)
    {
        double RecallOf(string scenario)
        {
            var (caught, all) = (0, 0);
            for (var i = 0; i < rows.Count; i++)
            {
                if (rows[i].Scenario == scenario)
                {
                    all++;
                    caught += scores[i] >= threshold ? 1 : 0;
                }
            }

            return all == 0 ? double.NaN : caught / (double)all;
        }

        return new Result(
            model,
            BinaryClassificationMetrics.AveragePrecision(scores, labels),
            BinaryClassificationMetrics.RocAuc(scores, labels),
            threshold,
            BinaryClassificationMetrics.At(scores, labels, threshold),
            RecallOf(HandbookSimulator.CompromisedTerminal),
            RecallOf(HandbookSimulator.CompromisedCustomer));
    }

    private static float[] Predict(Booster booster, FeatureMatrix data, int iterationEnd)
    {
        var scores = new float[data.Rows];
        booster.PredictDense(data.Features, data.Rows, data.Columns, scores, iterationEnd: iterationEnd);
        return scores;
    }
}
