using Avro.Generic;
using FraudStream.Avro.Tests.Support;
using FraudStream.Core.Outputs;

namespace FraudStream.Avro.Tests;

/// <summary>
/// Alerts and scores we write read the same in the reference implementation, Apache.Avro (transactions: <see cref="ConfluentInteropTests"/>;
/// labels: <see cref="FraudLabelAvroCodecTests"/>).
/// </summary>
public sealed class CrossImplementationTests
{
    [Test]
    public void Our_fraud_alert_decodes_identically_in_Apache_Avro()
    {
        // Arrange
        var alert = FraudAlertAvroCodecTests.SampleAlert();

        // Act
        var root = ApacheAvro.Read(new FraudAlertAvroCodec().Encode(alert), ApacheAvro.ParseFile("fraud_alert.avsc"));

        // Assert
        var features = (object[])root["top_features"];
        Assert.Multiple(() =>
        {
            Assert.That(root["transaction_id"], Is.EqualTo(alert.TransactionId));
            Assert.That(root["score"], Is.EqualTo(alert.Score));
            Assert.That(root["model_version"], Is.EqualTo(alert.ModelVersion));
            Assert.That(features, Has.Length.EqualTo(alert.TopFeatures.Count));
            Assert.That(((GenericRecord)features[1])["name"], Is.EqualTo(alert.TopFeatures[1].Name));
            Assert.That(((GenericRecord)features[1])["contribution"], Is.EqualTo(alert.TopFeatures[1].Contribution));
            Assert.That(root["source_offset"], Is.EqualTo(alert.SourceOffset));
            Assert.That(root["scored_time"], Is.EqualTo(alert.ScoredTime.ToUnixTimeMilliseconds()));
        });
    }

    [Test]
    public void Our_transaction_score_decodes_identically_in_Apache_Avro_and_back()
    {
        // Arrange
        var codec = new TransactionScoreAvroCodec();
        var score = new TransactionScore("tx-9", "card-3", 0.9375f, 0.5f, IsFraud: true, "20261101_120000", "transactions", 5, 1234567890123,
            DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_123), DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_456));
        var body = new System.Buffers.ArrayBufferWriter<byte>();
        codec.Encode(score, body);

        // Act
        var root = ApacheAvro.Read(body.WrittenSpan.ToArray(), ApacheAvro.ParseFile("transaction_score.avsc"));

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(root["transaction_id"], Is.EqualTo(score.TransactionId));
            Assert.That(root["score"], Is.EqualTo(score.Score));
            Assert.That(root["is_fraud"], Is.True);
            Assert.That(root["source_offset"], Is.EqualTo(score.SourceOffset));
            Assert.That(root["scored_time"], Is.EqualTo(score.ScoredTime.ToUnixTimeMilliseconds()));
            Assert.That(codec.Decode(body.WrittenSpan), Is.EqualTo(score));
        });
    }
}
