namespace FraudStream.XGBoost.Tests.Support;

/// <summary>A small model trained once per test run on <see cref="Dataset.Separable"/>, shared by the fixtures that only predict.</summary>
internal static class TestModels
{
    public const int Rounds = 20;

    private static readonly Lazy<TrainedModel> s_separable = new(() => Train(Rounds));

    public static TrainedModel Separable => s_separable.Value;

    public static IReadOnlyDictionary<string, string> Parameters { get; } = new Dictionary<string, string>
    {
        ["objective"] = "binary:logistic",
        ["tree_method"] = "hist",
        ["max_depth"] = "4",
        ["eta"] = "0.3",
        ["seed"] = "0",
        ["nthread"] = "1",
    };

    /// <summary>Trains a fresh model on the shared data (deterministic: one thread, fixed seed).</summary>
    public static TrainedModel Train(int rounds, IReadOnlyDictionary<string, string>? overrides = null)
    {
        using var booster = TrainBooster(rounds, overrides);
        return new TrainedModel(booster.SaveModelToBuffer(ModelFormat.Ubjson), Dataset.Separable(1500, seed: 11), Dataset.Separable(500, seed: 12));
    }

    /// <summary>As <see cref="Train"/>, but the booster as trained (also kinds FraudStream refuses to load, such as gblinear).</summary>
    public static Booster TrainBooster(int rounds, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var train = Dataset.Separable(1500, seed: 11);
        using var trainMatrix = DMatrix.FromDense(train.Features, train.Rows, train.Columns);
        trainMatrix.SetLabels(train.Labels);
        trainMatrix.SetFeatureNames(Dataset.FeatureNames);
        var booster = Booster.Create(trainMatrix);
        try
        {
            booster.SetParameters(overrides is null ? Parameters : Parameters.Concat(overrides).GroupBy(p => p.Key).Select(g => g.Last()));
            for (var round = 0; round < rounds; round++)
            {
                booster.UpdateOneIteration(round, trainMatrix);
            }

            return booster;
        }
        catch
        {
            booster.Dispose();
            throw;
        }
    }
}

/// <summary>A trained model as UBJSON bytes, with the data it was trained on and rows it never saw.</summary>
internal sealed record TrainedModel(byte[] Ubjson, Dataset Train, Dataset Holdout)
{
    public Booster Load() => Booster.LoadModelFromBuffer(Ubjson, threadCount: 1);
}
