using FraudStream.Core.Transactions;
using FraudStream.IntegrationTests.Kafka;
using FraudStream.Registry;
using FraudStream.Registry.Stores;

namespace FraudStream.IntegrationTests.Training;

/// <summary>`fraudstream retrain --once` as a CronJob runs it, against topics of generated transactions and labels.</summary>
[TestFixture]
public sealed class RetrainVerbTests
{
    private const string ProductionVersion = "20260101_000000";

    [Test]
    public async Task With_min_new_labels_it_trains_only_once_enough_labels_came_after_the_newest_model_and_sets_a_challenger()
    {
        // Arrange: production's training data ends five days ago; labels came before and after that, the last two weeks of
        // transactions are on the topic, each stamped when it happened and each label when it became known.
        using var topics = await TrainingTopics.CreateAsync("retrain");
        var now = DateTimeOffset.UtcNow;
        var productionEnd = now.AddDays(-5);
        var registry = new ModelRegistry(new LocalDirectoryModelStore(topics.Registry));
        await StandInModel.PublishAsync(registry, ProductionVersion, productionEnd, production: true);
        var productionJson = await File.ReadAllBytesAsync(Path.Combine(topics.Registry, "models", "production.json"));
        var rows = TrainFromKafkaTests.Generate(seed: 34, count: 3_000, now.AddDays(-14), TimeSpan.FromDays(13));
        var labels = rows.Where(r => r.LabelTime < now).Select(r => FraudLabel.Of(r, r.LabelTime!.Value)).ToList();
        topics.Produce(rows.Select(r => r.Transaction), stampedAtEventTime: true);
        topics.Produce(labels, stampedAtLabelTime: true);
        var newLabels = labels.Count(l => l.LabelTime > productionEnd);

        // Act
        var tooFew = await RetrainAsync(topics, newLabels + 1);
        var versionsAfterTooFew = await registry.ListVersionsAsync();
        var enough = await RetrainAsync(topics, newLabels);

        // Assert
        Assert.That(tooFew.ExitCode, Is.Zero, tooFew.Transcript);
        Assert.That(enough.ExitCode, Is.Zero, enough.Transcript);
        var versions = await registry.ListVersionsAsync();
        var challenger = await registry.GetChallengerAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(tooFew.StandardOutput, Has.One.Contains($"new labels not fired ({newLabels:N0} labels known after {TrainFromKafkaTests.Iso(productionEnd)}"));
            Assert.That(tooFew.StandardOutput, Has.One.EqualTo("No trigger fired: nothing trained."));
            Assert.That(versionsAfterTooFew, Is.EqualTo(new[] { ProductionVersion }), "nothing published while no trigger fired");
            Assert.That(enough.StandardOutput, Has.One.Contains($"new labels FIRED ({newLabels:N0} labels known after"));
            Assert.That(versions, Has.Count.EqualTo(2), enough.Transcript);
            Assert.That(challenger?.Version, Is.EqualTo(versions[0]), "the new model is the challenger");
            Assert.That(challenger?.Reason, Does.StartWith("retrain: new labels ("));
            Assert.That(await File.ReadAllBytesAsync(Path.Combine(topics.Registry, "models", "production.json")), Is.EqualTo(productionJson), "production unchanged");
            var trained = await registry.GetMetadataAsync(versions[0]);
            Assert.That(trained.TrainingData.Source, Is.EqualTo($"kafka:{topics.Transactions}"));
            Assert.That(trained.TrainingData.Window!.To - trained.TrainingData.Window.From, Is.EqualTo(TimeSpan.FromDays(30)));
        });
    }

    [Test]
    public async Task Options_that_cannot_work_are_one_sentence_and_exit_2()
    {
        var noTrigger = await FraudstreamProcess.RunAsync(TrainingTopics.RunLimit, "retrain", "--once", "--bootstrap-servers", TestKafka.BootstrapServers);
        var driftWithoutUrl = await FraudstreamProcess.RunAsync(TrainingTopics.RunLimit, "retrain", "--once", "--drift-above", "0.25");
        var badUrl = await FraudstreamProcess.RunAsync(TrainingTopics.RunLimit, "retrain", "--once", "--drift-above", "0.25", "--metrics-url", "scorer:9464");
        var badCount = await FraudstreamProcess.RunAsync(TrainingTopics.RunLimit, "retrain", "--once", "--min-new-labels", "-3");

        noTrigger.AssertRefused(2, "Give at least one trigger");
        driftWithoutUrl.AssertRefused(2, "--drift-above needs --metrics-url");
        badUrl.AssertRefused(2, "--metrics-url 'scorer:9464' is not an http(s) URL");
        badCount.AssertRefused(2, "--min-new-labels");
    }

    private static Task<FraudstreamRun> RetrainAsync(TrainingTopics topics, int minNewLabels) => FraudstreamProcess.RunAsync(
        TrainingTopics.RunLimit,
        "retrain", "--once", "--min-new-labels", minNewLabels.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--bootstrap-servers", TestKafka.BootstrapServers, "--topic", topics.Transactions, "--labels-topic", topics.Labels,
        "--registry", topics.Registry, "--max-rounds", "20", "--threads", "1");
}
