using System.Globalization;
using FraudStream.Core.Features;
using FraudStream.Core.Features.History;
using FraudStream.Core.Transactions;
using FraudStream.Registry;
using FraudStream.Registry.Stores;
using FraudStream.Training;
using FraudStream.Training.Data;
using FraudStream.XGBoost;
using static FraudStream.Cli.Tests.Models.TrainedModelFixture;

namespace FraudStream.Cli.Tests.Models;

/// <summary>
/// `fraudstream predict` run as an analyst runs it, over the fixture's history model (tx-v2) in production. The reference
/// is the trainer's own computation for the same file: sort by event time, <see cref="HistoryReplay"/>, <see cref="FeatureMatrix"/>,
/// native predict at the model's best iteration. Scores and features must equal it bit for bit.
/// </summary>
[TestFixture]
public sealed class PredictVerbTests
{
    private const string CardPresent = "card_present";
    private const string CardCount30d = "card_count_30d";
    private const string TerminalLabelled30d = "terminal_labelled_30d";

    private DirectoryInfo _scratch = null!;
    private string _registry = null!;
    private Core.Models.ModelMetadata _metadata = null!;
    private byte[] _model = null!;
    private FraudstreamRun _fullRun = null!;
    private ScoresFile _full = null!;

    /// <summary>The fixture's model in production in a registry of these tests, and predict --features over its training file.</summary>
    [OneTimeSetUp]
    public async Task PredictTheTrainingFileOnce()
    {
        _scratch = Directory.CreateTempSubdirectory("fraudstream-predict-tests-");
        _registry = Path.Combine(_scratch.FullName, "registry");
        await PutFirstModelInProductionAsync(_registry);
        (_metadata, _model) = await new ModelRegistry(new LocalDirectoryModelStore(_registry)).LoadAsync(EarlierVersion);
        (_fullRun, _full) = await PredictAsync(DataFile, "--features");
    }

    [OneTimeTearDown]
    public void DeleteScratchDirectory() => _scratch.Delete(recursive: true);

    [Test]
    public void Scores_equal_the_trainers_bit_for_bit_in_the_files_order_with_alerts_at_the_threshold()
    {
        var expected = TrainerScores(DataFile);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_fullRun.ExitCode, Is.Zero, _fullRun.Transcript);
            Assert.That(_full.Ids, Is.EqualTo(InputIds(DataFile)), "one row per transaction, in the file's order");
            Assert.That(_full.ScoreBits, Is.EqualTo(_full.Ids.Select(id => Bits(expected[id].Score))), "the trainer's scores, bit for bit");
            Assert.That(_full.Column("alert"), Is.EqualTo(_full.Scores.Select(s => s >= _metadata.Threshold ? "1" : "0")));
            Assert.That(_full.Column("model_version"), Is.All.EqualTo(EarlierVersion));
            Assert.That(_full.Column("alert"), Has.Some.EqualTo("1"), "the file's fraud raises alerts");
            Assert.That(_fullRun.Output, Does.Contain($"with model {EarlierVersion} (production)").And.Contain("as the file was read"), _fullRun.Transcript);
        }
    }

    [Test]
    public void Features_are_the_models_columns_in_its_order_with_the_trainers_values_and_missing_ones_empty()
    {
        var expected = TrainerScores(DataFile);
        var names = FeaturePipeline.For(_metadata.Pipeline).FeatureNames;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_full.Header, Is.EqualTo(new[] { "transaction_id", "score", "alert", "model_version" }.Concat(names)));
            Assert.That(_full.Rows.Select(r => r[4..]), Is.EqualTo(_full.Ids.Select(id => expected[id].Features.Select(Format))), "the trainer's features, bit for bit");
            Assert.That(_full.Column(CardCount30d), Has.Some.Empty.And.Some.Not.Empty, "a card's first transaction has no history (empty), later ones do");
            Assert.That(_full.Column(TerminalLabelled30d), Has.Some.Not.Empty, "labels from the file inform later transactions");
        }
    }

    [Test]
    public async Task A_row_scored_alone_loses_the_history_its_earlier_rows_give_it()
    {
        // A transaction from the later part of the file whose card has history by then.
        var index = Enumerable.Range(_full.Rows.Count / 2, _full.Rows.Count / 2).First(i => _full.Value(i, CardCount30d) is { Length: > 0 } count && count != "0");
        var alone = await WriteAsync("alone.csv", [DataLines(DataFile)[index]]);

        var (run, scores) = await PredictAsync(alone, "--features");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(run.ExitCode, Is.Zero, run.Transcript);
            Assert.That(scores.Ids, Is.EqualTo(new[] { _full.Ids[index] }));
            Assert.That(scores.Value(0, CardCount30d), Is.Empty, "alone, the card has no history");
            Assert.That(scores.ScoreBits, Is.EqualTo(new[] { Bits(TrainerScores(alone)[_full.Ids[index]].Score) }), "alone it still gets the trainer's score for that file");
            Assert.That(scores.ScoreBits[0], Is.Not.EqualTo(_full.ScoreBits[index]), "the replay of the earlier rows changes its score");
        }
    }

    [Test]
    public async Task A_file_out_of_event_time_order_is_replayed_sorted_and_written_in_its_own_order()
    {
        var random = new Random(7);
        var shuffled = await WriteAsync("shuffled.csv", [.. DataLines(DataFile).OrderBy(_ => random.Next())]);
        var expected = TrainerScores(shuffled);

        var (run, scores) = await PredictAsync(shuffled);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(run.ExitCode, Is.Zero, run.Transcript);
            Assert.That(scores.Ids, Is.EqualTo(InputIds(shuffled)), "rows in the shuffled file's order, not in event-time order");
            Assert.That(scores.ScoreBits, Is.EqualTo(scores.Ids.Select(id => Bits(expected[id].Score))), "the trainer's scores for the shuffled file, bit for bit");
            Assert.That(run.Output, Does.Contain("after holding the file in memory"), run.Transcript);
        }
    }

    [Test]
    public async Task An_empty_card_present_is_a_missing_feature_not_card_absent_in_predict_and_in_training_alike()
    {
        var lines = DataLines(DataFile).Take(300).ToList();
        var fields = lines[150].Split(',');
        fields[LabelledTransactionCsv.Columns.ToList().IndexOf(CardPresent)] = "";
        lines[150] = string.Join(',', fields);
        var data = await WriteAsync("unknown-card-present.csv", lines);
        var expected = TrainerScores(data);
        var names = FeaturePipeline.For(_metadata.Pipeline).FeatureNames.ToList();

        var (run, scores) = await PredictAsync(data, "--features");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(run.ExitCode, Is.Zero, run.Transcript);
            Assert.That(scores.Value(150, CardPresent), Is.Empty, "missing, not 0");
            Assert.That(scores.Column(CardPresent).Count(v => v.Length == 0), Is.EqualTo(1), "only that row's");
            Assert.That(float.IsNaN(expected[fields[0]].Features[names.IndexOf(CardPresent)]), Is.True, "training's feature is NaN too");
            Assert.That(scores.ScoreBits, Is.EqualTo(scores.Ids.Select(id => Bits(expected[id].Score))), "the trainer's scores, bit for bit");
        }
    }

    [Test]
    public async Task A_file_without_label_columns_is_scored_without_labels_to_standard_output()
    {
        var transactionColumns = LabelledTransactionCsv.Columns.Count - 3;
        var lines = File.ReadLines(DataFile).Take(201).Select(line => string.Join(',', line.Split(',').Take(transactionColumns))).ToList();
        var data = Path.Combine(_scratch.FullName, "unlabelled.csv");
        await File.WriteAllLinesAsync(data, lines);

        var run = await FraudstreamProcess.RunAsync(RunLimit, "predict", "--data", data, "--out", "-", "--registry", _registry, "--features");

        var scores = ScoresFile.Parse(run.StandardOutput);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(run.ExitCode, Is.Zero, run.Transcript);
            Assert.That(scores.Ids, Is.EqualTo(_full.Ids.Take(200)), "the CSV on standard output");
            Assert.That(scores.Column(TerminalLabelled30d), Is.All.Empty, "no labels: no terminal has labelled transactions");
            Assert.That(run.StandardError, Has.Some.Contains("Scored 200 transactions"), "the summary on standard error");
        }
    }

    [Test]
    public async Task A_model_without_history_features_scores_each_row_alone()
    {
        const string version = "20200102_000000";
        var (pipeline, model) = await PublishStatelessModelAsync(version);
        var data = await WriteAsync("stateless.csv", DataLines(DataFile).Skip(20_000).Take(500));
        var transactions = LabelledTransactionCsv.Read(new StringReader(await File.ReadAllTextAsync(data))).Select(r => r.Transaction).ToList();
        var features = new float[transactions.Count * pipeline.FeatureCount];
        pipeline.ExtractBatch(transactions, [], features);
        var expected = new float[transactions.Count];
        using (var booster = Booster.LoadModelFromBuffer(model))
        {
            booster.PredictDense(features, transactions.Count, pipeline.FeatureCount, expected);
        }

        var (run, scores) = await PredictAsync(data, "--version", version, "--features");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(run.ExitCode, Is.Zero, run.Transcript);
            Assert.That(scores.Header[4..], Is.EqualTo(pipeline.FeatureNames), "the model's own columns, no history features");
            Assert.That(scores.ScoreBits, Is.EqualTo(expected.Select(Bits)), "each row scored alone, bit for bit");
            Assert.That(scores.Column("model_version"), Is.All.EqualTo(version));
            Assert.That(run.Output, Does.Contain($"with model {version}: ").And.Contain("no history features (pipeline tx-v1)"), run.Transcript);
        }
    }

    [Test]
    public async Task A_bad_row_exits_2_naming_its_line_and_column_and_writes_nothing()
    {
        var lines = DataLines(DataFile).Take(5).ToList();
        var fields = lines[1].Split(',');
        fields[3] = "-5";
        lines[1] = string.Join(',', fields);
        var data = await WriteAsync("bad.csv", lines);
        var output = Path.Combine(_scratch.FullName, "bad-scores.csv");

        var run = await FraudstreamProcess.RunAsync(RunLimit, "predict", "--data", data, "--out", output, "--registry", _registry);

        run.AssertRefused(2, "bad.csv line 3", "amount '-5'");
        Assert.That(Directory.GetFiles(_scratch.FullName, "*bad-scores.csv*"), Is.Empty, "nothing is written");
    }

    [Test]
    public async Task An_unknown_version_exits_1_saying_it_is_not_in_the_registry()
    {
        var run = await FraudstreamProcess.RunAsync(
            RunLimit, "predict", "--data", DataFile, "--out", Path.Combine(_scratch.FullName, "never.csv"), "--registry", _registry, "--version", "20990101_000000");

        run.AssertRefused(1, "Model version 20990101_000000 is not in the");
    }

    [TestCase("--version", "latest", "'latest' is not a model version")]
    [TestCase("--threads", "0", "--threads must be from 1")]
    public async Task A_bad_option_exits_2_naming_it(string option, string value, string phrase)
    {
        var run = await FraudstreamProcess.RunAsync(
            RunLimit, "predict", "--data", DataFile, "--out", Path.Combine(_scratch.FullName, "never.csv"), "--registry", _registry, option, value);

        run.AssertRefused(2, phrase);
    }

    [Test]
    public async Task A_data_file_that_does_not_exist_exits_2_saying_so()
    {
        var missing = Path.Combine(_scratch.FullName, "missing.csv");

        var run = await FraudstreamProcess.RunAsync(RunLimit, "predict", "--data", missing, "--out", "-", "--registry", _registry);

        run.AssertRefused(2, missing, "does not exist");
    }

    private async Task<(FraudstreamRun Run, ScoresFile Scores)> PredictAsync(string data, params string[] options)
    {
        var output = Path.Combine(_scratch.FullName, Path.GetFileNameWithoutExtension(data) + "-scores.csv");
        var run = await FraudstreamProcess.RunAsync(RunLimit, ["predict", "--data", data, "--out", output, "--registry", _registry, .. options]);
        return (run, ScoresFile.Parse(File.Exists(output) ? File.ReadAllLines(output) : []));
    }

    /// <summary>
    /// Publishes (not promotes) <paramref name="version"/>: a tx-v1 model, as trained before history features, of a few
    /// rounds on the fixture file's own transaction features.
    /// </summary>
    private async Task<(FeaturePipeline Pipeline, byte[] Model)> PublishStatelessModelAsync(string version)
    {
        var names = FeaturePipeline.Full.FeatureNames.Except(HistoryFeatures.Names).ToList();
        var pipeline = FeaturePipeline.For(new Core.Models.PipelineSignature(FeaturePipeline.StatelessVersion, names));
        var rows = LabelledTransactionCsv.Read(new StringReader(await File.ReadAllTextAsync(DataFile))).Take(10_000).ToList();
        var features = new float[rows.Count * pipeline.FeatureCount];
        pipeline.ExtractBatch([.. rows.Select(r => r.Transaction)], [], features);
        using var matrix = DMatrix.FromDense(features, rows.Count, pipeline.FeatureCount);
        matrix.SetLabels([.. rows.Select(r => r.IsFraud ? 1f : 0f)]);
        using var booster = Booster.Create(matrix);
        booster.SetParameter("objective", "binary:logistic");
        booster.SetParameter("nthread", "1");
        for (var round = 0; round < 5; round++)
        {
            booster.UpdateOneIteration(round, matrix);
        }

        booster.SetFeatureNames(pipeline.FeatureNames);
        var model = booster.SaveModelToBuffer(ModelFormat.Ubjson);
        var metadata = _metadata with
        {
            Version = version,
            Pipeline = pipeline.Signature,
            ModelSha256 = ModelRegistry.Sha256Hex(model),
            BestIteration = 4,
            FeatureImportance = new Dictionary<string, double>(),
        };
        await new ModelRegistry(new LocalDirectoryModelStore(_registry)).PublishAsync(metadata, model, TrainingReport.Write(metadata));
        return (pipeline, model);
    }

    /// <summary>What the trainer computes for each transaction of <paramref name="data"/>: its score and features.</summary>
    private Dictionary<string, (float Score, float[] Features)> TrainerScores(string data)
    {
        List<LabelledTransaction> rows;
        using (var reader = new StreamReader(data))
        {
            rows = LabelledTransactionCsv.Read(reader).ToList();
        }

        var ordered = rows.OrderBy(r => r.Transaction.EventTime).ToList();
        var settings = FeaturePipeline.SettingsOf(_metadata.Pipeline.History!);
        var matrix = FeatureMatrix.Build(
            FeaturePipeline.For(_metadata.Pipeline, settings), ordered, HistoryReplay.Compute(ordered, settings, TrainingOptions.DefaultLabelDelay));
        using var booster = Booster.LoadModelFromBuffer(_model);
        var scores = new float[matrix.Rows];
        booster.PredictDense(matrix.Features, matrix.Rows, matrix.Columns, scores, iterationEnd: _metadata.BestIteration + 1);
        return ordered.Select((r, i) => (r.Transaction.TransactionId, scores[i], matrix.Features.AsSpan(i * matrix.Columns, matrix.Columns).ToArray()))
            .ToDictionary(x => x.TransactionId, x => (x.Item2, x.Item3));
    }

    private async Task<string> WriteAsync(string name, IEnumerable<string> dataLines)
    {
        var path = Path.Combine(_scratch.FullName, name);
        await File.WriteAllLinesAsync(path, [File.ReadLines(DataFile).First(), .. dataLines]);
        return path;
    }

    private static List<string> DataLines(string csv) => [.. File.ReadLines(csv).Skip(1)];

    private static List<string> InputIds(string csv) => [.. DataLines(csv).Select(line => line[..line.IndexOf(',', StringComparison.Ordinal)])];

    private static int Bits(float value) => BitConverter.SingleToInt32Bits(value);

    /// <summary>A feature as the scores CSV writes it: shortest round-trip form, empty when missing.</summary>
    private static string Format(float value) => float.IsNaN(value) ? "" : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A scores CSV, read back.</summary>
    private sealed record ScoresFile(string[] Header, IReadOnlyList<string[]> Rows)
    {
        public static ScoresFile Parse(IReadOnlyList<string> lines) =>
            new(lines.Count > 0 ? lines[0].Split(',') : [], [.. lines.Skip(1).Select(line => line.Split(','))]);

        public IReadOnlyList<string> Ids => Column("transaction_id");

        public IReadOnlyList<float> Scores => [.. Column("score").Select(s => float.Parse(s, CultureInfo.InvariantCulture))];

        public IReadOnlyList<int> ScoreBits => [.. Scores.Select(Bits)];

        public IReadOnlyList<string> Column(string name) => [.. Rows.Select(r => r[Array.IndexOf(Header, name)])];

        public string Value(int row, string name) => Rows[row][Array.IndexOf(Header, name)];
    }
}
