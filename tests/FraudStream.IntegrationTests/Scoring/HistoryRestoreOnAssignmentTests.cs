using Confluent.Kafka;
using FraudStream.Core.Features.History;
using FraudStream.IntegrationTests.Kafka;
using FraudStream.Streaming.ExactlyOnce;
using FraudStream.Streaming.History;
using FraudStream.Streaming.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FraudStream.IntegrationTests.Scoring;

/// <summary>Card history restored when partitions are assigned (<see cref="ScorerHistory.Assigned"/>), before any batch asks for it.</summary>
[TestFixture]
public sealed class HistoryRestoreOnAssignmentTests
{
    private const int SlowPartitionCards = 50_000;
    private const int TakenAwayCards = 1_000;

    [Test]
    public async Task A_partition_taken_away_before_its_turn_is_not_restored()
    {
        // Arrange: partition 0's changelog is long (its restore takes a while), partition 1's short.
        var (changelog, labels) = await TestKafka.CreateHistoryTopicsAsync("restore-skip", partitions: 2);
        var value = OneCardHistory();
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = TestKafka.BootstrapServers }).Build())
        {
            for (var i = 0; i < SlowPartitionCards + TakenAwayCards; i++)
            {
                var partition = i < SlowPartitionCards ? 0 : 1;
                producer.Produce(new TopicPartition(changelog, partition), new Message<string, byte[]> { Key = $"C{i}", Value = value });
            }

            producer.Flush(TimeSpan.FromSeconds(30));
        }

        using var metrics = new ScorerMetrics();
        var options = Options.Create(new ScorerOptions
        {
            BootstrapServers = TestKafka.BootstrapServers,
            ChangelogTopic = changelog,
            LabelsTopic = labels,
            TransactionalId = TestKafka.UniqueName("restore-skip"),
        });
        using var history = new ScorerHistory(options, ScoringScenario.Catalog, metrics, TimeProvider.System, NullLogger<ScorerHistory>.Instance);

        // Act: both partitions assigned, partition 1 taken away while partition 0 is still being restored.
        history.Assigned([0, 1]);
        history.Forget([1]);
        await Eventually.TrueAsync(
            () => metrics.HistoryRecordsRestored >= SlowPartitionCards, "partition 0 restored on assignment",
            () => $"{metrics.HistoryRecordsRestored:N0} restored");
        await Task.Delay(TimeSpan.FromSeconds(1)); // partition 1's turn comes right after partition 0's

        // Assert
        Assert.That(metrics.HistoryRecordsRestored, Is.EqualTo(SlowPartitionCards), "partition 1's changelog was not read");
    }

    /// <summary>A card's history after one transaction, in the changelog's form.</summary>
    private static byte[] OneCardHistory()
    {
        using var cards = new CardHistoryStore(HistorySettings.Default) { TracksChanges = true };
        var transaction = new Core.Transactions.Transaction(
            "T1", "C0", DateTimeOffset.UnixEpoch, 10.0, "EUR", "M1", "5411", Core.Transactions.Channel.Pos, CardPresent: true);
        HistoryFeatures.Observe(cards, new LabelHistory(HistorySettings.Default), transaction, new float[HistoryFeatures.Count]);
        return cards.TakeChanged().Single().Value!;
    }
}
