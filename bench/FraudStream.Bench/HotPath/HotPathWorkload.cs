using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FraudStream.Simulation;
using FraudStream.Core.Models;
using FraudStream.Core.Transactions;
using FraudStream.Training;
using FraudStream.XGBoost;

namespace FraudStream.Bench.HotPath;

/// <summary>
/// What the hot-path benchmarks score: one generated stream, whose first <see cref="TrainingRows"/> transactions
/// train a model the way `fraudstream train` does and whose next <see cref="BatchSize"/> are the batch scored,
/// unseen by the model, as in production.
/// </summary>
/// <remarks>
/// BenchmarkDotNet runs each benchmark case in its own process, so a class's [GlobalSetup] trains once per case:
/// about a second of setup (50k rows, 150 rounds, 2 threads) that is never measured. Training is deterministic (fixed generator and XGBoost seeds),
/// so every case scores the same model.
/// </remarks>
internal static class HotPathWorkload
{
    /// <summary>Transactions in the batch the scorer is expected to take from one poll.</summary>
    public const int BatchSize = 500;

    private const int TrainingRows = 50_000;

    private static readonly Lazy<IReadOnlyList<LabelledTransaction>> s_stream = new(
        () => new TransactionGenerator(new GeneratorOptions { Seed = 42 }).Generate(TrainingRows + BatchSize).ToList());

    /// <summary>The scored batch: the <see cref="BatchSize"/> transactions after the training data.</summary>
    public static Transaction[] Batch() => s_stream.Value.Skip(TrainingRows).Select(r => r.Transaction).ToArray();

    /// <summary>Trains the benchmark's model on the first <see cref="TrainingRows"/> transactions (at most 150 rounds, 2 threads).</summary>
    public static ScoringModel Train()
    {
        var clock = Stopwatch.StartNew();
        var trainer = new ModelTrainer(new TrainingOptions { MaxRounds = 150, Threads = 2 }, TimeProvider.System);
        var rows = s_stream.Value.Take(TrainingRows).ToList();
        var trained = trainer.Train(rows, "generated (seed 42)", Sha256OfCsv(rows));
        var metadata = trained.Metadata;

        // Printed into BenchmarkDotNet's log, so a report says which model its numbers are for.
        using (var booster = Booster.LoadModelFromBuffer(trained.Model))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"// hot-path model: {TrainingRows:N0} generated transactions, {booster.BoostedRounds} rounds in the model, "
                + $"scoring with {metadata.BestIteration + 1} (best validation PR-AUC), {metadata.Pipeline.FeatureNames.Count} features, "
                + $"test PR-AUC {metadata.Metrics.Test.PrAuc:0.000}, trained in {clock.Elapsed.TotalSeconds:0.0} s"));
        }

        return new ScoringModel(trained.Model, metadata.Pipeline, metadata.BestIteration + 1, metadata.Threshold);
    }

    /// <summary>The SHA-256 the data would have as `fraudstream generate`'s CSV, which the trainer records.</summary>
    internal static string Sha256OfCsv(IEnumerable<LabelledTransaction> rows)
    {
        using var csv = new StringWriter(CultureInfo.InvariantCulture);
        LabelledTransactionCsv.Write(csv, rows);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(csv.ToString())));
    }
}

/// <summary>A trained model as the scorer holds it: its bytes, the pipeline it needs, the rounds it predicts with and its alert threshold.</summary>
internal sealed record ScoringModel(byte[] Model, PipelineSignature Pipeline, int IterationEnd, float Threshold);
