using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using FraudStream.Simulation;
using FraudStream.Core.Models;
using FraudStream.Core.Transactions;
using FraudStream.Registry;
using FraudStream.Registry.Stores;

namespace FraudStream.IntegrationTests.Training;

/// <summary>`fraudstream train --from-kafka` on topics of generated transactions and their delayed labels.</summary>
[TestFixture]
public sealed partial class TrainFromKafkaTests
{
    private static readonly DateTimeOffset s_start = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_labelDelay = TimeSpan.FromHours(6);
    private DirectoryInfo _scratch = null!;

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("fraudstream-train-kafka-");

    [TearDown]
    public void DeleteScratch() => _scratch.Delete(recursive: true);

    [Test]
    public async Task Training_from_the_topics_learns_what_training_on_the_same_rows_from_a_CSV_learns_and_no_label_from_after_the_window()
    {
        // Arrange: a day of transactions; chargebacks 1-12 h after the fraud, confirmations 6 h after the rest. The window starts an
        // hour in and ends the label delay after the last transaction, so every transaction in it is labelled or old enough to be
        // genuine, and the chargebacks of the last hours come after its end.
        using var topics = await TrainingTopics.CreateAsync("train-kafka-same");
        var rows = Generate(seed: 31, count: 4_000, s_start, TimeSpan.FromDays(1));
        var from = s_start.AddHours(1);
        var to = Ceiling(rows.Max(r => r.Transaction.EventTime) + s_labelDelay);
        var late = rows.First(r => !r.IsFraud && r.Transaction.EventTime >= from);
        topics.Produce(rows.Select(r => r.Transaction));
        topics.Produce([.. rows.Select(r => FraudLabel.Of(r, r.LabelTime!.Value)), FraudLabel.Of(late.Transaction, isFraud: true, to.AddDays(1))]);

        // The same rows as a CSV: the label of each transaction in the window as known before its end, else genuine.
        var expected = rows
            .Where(r => r.Transaction.EventTime >= from && r.Transaction.EventTime < to)
            .OrderBy(r => r.Transaction.EventTime).ThenBy(r => r.Transaction.TransactionId, StringComparer.Ordinal)
            .Select(r => r.LabelTime < to ? r with { Scenario = r.IsFraud ? "fraud" : "genuine" } : r with { IsFraud = false, Scenario = "unlabelled", LabelTime = to })
            .ToList();
        var csv = Path.Combine(_scratch.FullName, "same-rows.csv");
        await using (var writer = new StreamWriter(csv))
        {
            LabelledTransactionCsv.Write(writer, expected);
        }

        var csvRegistry = Path.Combine(_scratch.FullName, "csv-registry");
        string[] training = ["--label-delay", "6h", "--max-rounds", "40", "--threads", "1"];

        // Act
        var fromKafka = await topics.TrainAsync(["--from", Iso(from), "--to", Iso(to), "--warm-up", "0", .. training]);
        var fromCsv = await FraudstreamProcess.RunAsync(TrainingTopics.RunLimit, ["train", "--data", csv, "--registry", csvRegistry, .. training]);

        // Assert
        Assert.That(fromKafka.ExitCode, Is.Zero, fromKafka.Transcript);
        Assert.That(fromCsv.ExitCode, Is.Zero, fromCsv.Transcript);
        var kafka = await MetadataAsync(topics.Registry, fromKafka);
        var file = await MetadataAsync(csvRegistry, fromCsv);
        var lateChargebacks = rows.Count(r => r.IsFraud && r.Transaction.EventTime >= from && r.LabelTime >= to);
        Assert.Multiple(() =>
        {
            Assert.That(lateChargebacks, Is.GreaterThan(0), "some fraud is only known after the window: the leak this test would see");
            Assert.That(kafka.TrainingData.Rows, Is.EqualTo(expected.Count));
            Assert.That(kafka.TrainingData.FraudRate, Is.EqualTo(expected.Count(r => r.IsFraud) / (double)expected.Count), "no label from after the window");
            Assert.That(kafka.TrainingData.Source, Is.EqualTo($"kafka:{topics.Transactions}"));
            Assert.That(kafka.TrainingData.Window, Is.EqualTo(new TimeRange(from, to)));
            Assert.That(kafka.TrainingData.Labels, Does.StartWith($"labels from kafka:{topics.Labels} known before {Iso(to)}"));
            Assert.That(kafka.TrainingData with { Source = "", Labels = null, Window = null }, Is.EqualTo(file.TrainingData with { Source = "", Labels = null }),
                "rows, fraud rate, time range, splits and the data's SHA-256");
            Assert.That(kafka.Pipeline.Version, Is.EqualTo(file.Pipeline.Version));
            Assert.That(kafka.Pipeline.FeatureNames, Is.EqualTo(file.Pipeline.FeatureNames));
            Assert.That(JsonSerializer.Serialize(kafka.Pipeline.History), Is.EqualTo(JsonSerializer.Serialize(file.Pipeline.History)));
            Assert.That(kafka.Metrics, Is.EqualTo(file.Metrics), "the same scores on the same test split");
            Assert.That(kafka.Threshold, Is.EqualTo(file.Threshold));
            Assert.That(kafka.ModelSha256, Is.EqualTo(file.ModelSha256), "the same model");
            Assert.That(fromKafka.Output, Does.Contain($"{lateChargebacks + 1:N0} labels known after the window's end"));
        });
    }

    [Test]
    public async Task Since_reads_the_transactions_of_the_last_days_only_and_starts_reading_at_them()
    {
        // Arrange: forty days up to now, each record stamped when it happened, each label when it became known (before now).
        using var topics = await TrainingTopics.CreateAsync("train-kafka-since");
        var now = DateTimeOffset.UtcNow;
        var since = TimeSpan.FromDays(30);
        var warmUp = TimeSpan.FromDays(5);
        var awaitingAfter = now - TimeSpan.FromDays(7); // the default label delay
        var rows = Generate(seed: 32, count: 3_000, now.AddDays(-40), TimeSpan.FromDays(39))
            // Nothing within an hour of a boundary the run's clock, a little later than this one, could move it across.
            .Where(r => (r.Transaction.EventTime - (now - since)).Duration() > TimeSpan.FromHours(1)
                        && (r.Transaction.EventTime - (now - since - warmUp)).Duration() > TimeSpan.FromHours(1)
                        && (r.Transaction.EventTime - awaitingAfter).Duration() > TimeSpan.FromHours(1))
            .ToList();
        topics.Produce(rows.Select(r => r.Transaction), stampedAtEventTime: true);
        topics.Produce(rows.Where(r => r.LabelTime < now).Select(r => FraudLabel.Of(r, r.LabelTime!.Value)), stampedAtLabelTime: true);
        var recent = rows.Where(r => r.Transaction.EventTime >= now - since).ToList();
        var trained = recent.Count(r => r.LabelTime < now || r.Transaction.EventTime <= awaitingAfter);
        var warm = rows.Count(r => r.Transaction.EventTime >= now - since - warmUp && r.Transaction.EventTime < now - since);

        // Act
        var run = await topics.TrainAsync("--since", "30d", "--warm-up", "5d", "--max-rounds", "20");

        // Assert
        Assert.That(run.ExitCode, Is.Zero, run.Transcript);
        var metadata = await MetadataAsync(topics.Registry, run);
        var read = ReadCount(run, topics.Transactions);
        Assert.Multiple(() =>
        {
            Assert.That(metadata.TrainingData.Rows, Is.EqualTo(trained));
            Assert.That(metadata.TrainingData.From, Is.GreaterThanOrEqualTo(now - since), "nothing older than 30 days");
            Assert.That(metadata.TrainingData.Window!.To - metadata.TrainingData.Window.From, Is.EqualTo(since));
            Assert.That(read, Is.InRange(recent.Count + warm, recent.Count + warm + (3 * TrainingTopics.BatchRecords)),
                "reading starts at the records stamped within the window's warm-up (less an hour's margin), not at the beginning; the development broker finds them by batch");
            Assert.That(run.Output, Does.Contain($"{warm:N0} of the 5 d warm-up before it feed history only"));
            Assert.That(metadata.TrainingData.Labels, Does.EndWith($"({warm} transactions before the window)"));
        });
    }

    [Test]
    public async Task Undecodable_records_on_either_topic_are_skipped_and_counted()
    {
        // Arrange
        using var topics = await TrainingTopics.CreateAsync("train-kafka-bad");
        var rows = Generate(seed: 33, count: 2_000, s_start, TimeSpan.FromHours(12));
        topics.Produce(rows.Select(r => r.Transaction));
        topics.ProduceRaw(topics.Transactions, [0, 0, 0, 0, 3, 0xFF]);       // the transaction schema's id, then no valid record
        topics.ProduceRaw(topics.Transactions, [7, 1, 2, 3]);               // not the Confluent wire format
        topics.ProduceRaw(topics.Transactions, [0, 0, 0, 0x7F, 0x7F, 2]);   // a schema id nobody knows
        topics.Produce(rows.Select(r => FraudLabel.Of(r, r.LabelTime!.Value)));
        topics.ProduceRaw(topics.Labels, [0, 0, 0, 0, 2]);                  // the label schema's id, then nothing
        var to = Ceiling(rows.Max(r => r.Transaction.EventTime) + s_labelDelay);

        // Act
        var run = await topics.TrainAsync("--from", Iso(s_start), "--to", Iso(to), "--label-delay", "6h", "--max-rounds", "20");

        // Assert
        Assert.That(run.ExitCode, Is.Zero, run.Transcript);
        var metadata = await MetadataAsync(topics.Registry, run);
        Assert.Multiple(() =>
        {
            Assert.That(metadata.TrainingData.Rows, Is.EqualTo(rows.Count));
            Assert.That(run.Output, Does.Contain($"Read {rows.Count + 3:N0} records from '{topics.Transactions}' (3 undecodable, skipped; the first at partition "));
            Assert.That(run.Output, Does.Contain($"and {rows.Count + 1:N0} records from '{topics.Labels}' (1 undecodable, skipped; the first at partition "));
            Assert.That(run.StandardError, Has.None.Contains("   at "), "no stack trace");
        });
    }

    [Test]
    public async Task A_window_without_transactions_a_missing_topic_or_a_bad_option_is_one_sentence()
    {
        using var topics = await TrainingTopics.CreateAsync("train-kafka-empty");

        var empty = await topics.TrainAsync("--since", "7d");
        var missing = await FraudstreamProcess.RunAsync(
            TrainingTopics.RunLimit, "train", "--from-kafka", "--since", "7d", "--bootstrap-servers", Kafka.TestKafka.BootstrapServers, "--topic", "fstest-no-such-topic", "--registry", topics.Registry);
        var both = await FraudstreamProcess.RunAsync(TrainingTopics.RunLimit, "train", "--from-kafka", "--data", "x.csv");
        var badTime = await FraudstreamProcess.RunAsync(TrainingTopics.RunLimit, "train", "--from-kafka", "--from", "yesterday", "--to", "2026-01-01T00:00:00Z");

        empty.AssertRefused(2, "No transaction to train on", "widen the window");
        missing.AssertRefused(1, "fstest-no-such-topic", "does not exist");
        both.AssertRefused(2, "Give --data or --from-kafka, not both.");
        badTime.AssertRefused(2, "--from must be an ISO 8601 date and time", "not 'yesterday'");
    }

    /// <summary>Generated transactions spread over <paramref name="span"/> from <paramref name="start"/>, labelled within 12 hours.</summary>
    internal static List<LabelledTransaction> Generate(int seed, int count, DateTimeOffset start, TimeSpan span) =>
        new TransactionGenerator(new GeneratorOptions
        {
            Seed = seed,
            Cards = 400,
            FraudRatio = 0.05,
            Start = start,
            TransactionsPerSecond = count / span.TotalSeconds,
            ChargebackDelayMin = TimeSpan.FromHours(1),
            ChargebackDelayMax = TimeSpan.FromHours(12),
            SettlementDelay = s_labelDelay,
        }).Generate(count).ToList();

    /// <summary>The metadata of the version a `train` run says it published.</summary>
    internal static async Task<ModelMetadata> MetadataAsync(string registry, FraudstreamRun run)
    {
        var match = run.StandardOutput.Select(line => Published().Match(line)).FirstOrDefault(m => m.Success);
        Assert.That(match, Is.Not.Null, $"no 'Published model <version>'.\n{run.Transcript}");
        return await new ModelRegistry(new LocalDirectoryModelStore(registry)).GetMetadataAsync(match!.Groups["version"].Value);
    }

    internal static string Iso(DateTimeOffset time) => LabelledTransactionCsv.FormatTime(time);

    private static DateTimeOffset Ceiling(DateTimeOffset time) => new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond) + TimeSpan.TicksPerSecond, TimeSpan.Zero);

    private static int ReadCount(FraudstreamRun run, string topic)
    {
        var match = run.StandardOutput.Select(line => ReadLine().Match(line)).FirstOrDefault(m => m.Success && m.Groups["topic"].Value == topic);
        Assert.That(match, Is.Not.Null, $"no 'Read N records from '{topic}''.\n{run.Transcript}");
        return int.Parse(match!.Groups["count"].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^Published model (?<version>\d{8}_\d{6}) to ")]
    private static partial Regex Published();

    [GeneratedRegex(@"^Read (?<count>[\d,]+) records from '(?<topic>[^']+)'")]
    private static partial Regex ReadLine();
}
