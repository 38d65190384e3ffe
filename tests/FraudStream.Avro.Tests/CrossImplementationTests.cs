using FraudStream.Avro.Tests.Support;
using FraudStream.Core.Outputs;

namespace FraudStream.Avro.Tests;

/// <summary>Bytes agree with the reference implementation (Debian python3-avro 1.11) in both directions.</summary>
public sealed class CrossImplementationTests
{
    private readonly TransactionAvroCodec _codec = new();

    [Test]
    public void Python_encoded_transactions_decode_to_the_same_values()
    {
        // Arrange
        var expected = TestTransactions.Corners();
        var bodies = AvroReference.Encode(AvroReference.SchemaPath("transaction.avsc"), expected.Select(TestTransactions.ToJson));

        // Act
        var decoded = bodies.Select(b => _codec.Decode(b)).ToList();

        // Assert
        Assert.That(decoded, Is.EqualTo(expected));
    }

    [Test]
    public void CSharp_encoded_transactions_decode_identically_in_Python()
    {
        // Arrange
        var transactions = TestTransactions.Corners();

        // Act
        var json = AvroReference.Decode(AvroReference.SchemaPath("transaction.avsc"), transactions.Select(_codec.Encode));

        // Assert
        Assert.That(json.Select(TestTransactions.FromJson), Is.EqualTo(transactions));
    }

    [Test]
    public void CSharp_and_Python_write_byte_identical_bodies()
    {
        // Arrange
        var transactions = TestTransactions.Corners();

        // Act
        var python = AvroReference.Encode(AvroReference.SchemaPath("transaction.avsc"), transactions.Select(TestTransactions.ToJson));
        var csharp = transactions.Select(_codec.Encode).ToList();

        // Assert
        Assert.That(csharp.Select(Convert.ToHexString), Is.EqualTo(python.Select(Convert.ToHexString)));
    }

    [Test]
    public void CSharp_encoded_fraud_alert_decodes_identically_in_Python()
    {
        // Arrange
        var alert = FraudAlertAvroCodecTests.SampleAlert();

        // Act
        var json = AvroReference.Decode(AvroReference.SchemaPath("fraud_alert.avsc"), [new FraudAlertAvroCodec().Encode(alert)]).Single();

        // Assert
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("transaction_id").GetString(), Is.EqualTo(alert.TransactionId));
            Assert.That(root.GetProperty("score").GetSingle(), Is.EqualTo(alert.Score));
            Assert.That(root.GetProperty("model_version").GetString(), Is.EqualTo(alert.ModelVersion));
            Assert.That(root.GetProperty("top_features").GetArrayLength(), Is.EqualTo(alert.TopFeatures.Count));
            Assert.That(root.GetProperty("top_features")[1].GetProperty("name").GetString(), Is.EqualTo(alert.TopFeatures[1].Name));
            Assert.That(root.GetProperty("top_features")[1].GetProperty("contribution").GetSingle(), Is.EqualTo(alert.TopFeatures[1].Contribution));
            Assert.That(root.GetProperty("source_offset").GetInt64(), Is.EqualTo(alert.SourceOffset));
            Assert.That(root.GetProperty("scored_time").GetInt64(), Is.EqualTo(alert.ScoredTime.ToUnixTimeMilliseconds()));
        });
    }

    [Test]
    public void CSharp_encoded_transaction_score_decodes_identically_in_Python_and_back()
    {
        // Arrange
        var codec = new TransactionScoreAvroCodec();
        var score = new TransactionScore("tx-9", "card-3", 0.9375f, 0.5f, IsFraud: true, "20261101_120000", "transactions", 5, 1234567890123,
            DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_123), DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_456));
        var body = new System.Buffers.ArrayBufferWriter<byte>();
        codec.Encode(score, body);

        // Act
        var json = AvroReference.Decode(AvroReference.SchemaPath("transaction_score.avsc"), [body.WrittenSpan.ToArray()]).Single();

        // Assert
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("transaction_id").GetString(), Is.EqualTo(score.TransactionId));
            Assert.That(root.GetProperty("score").GetSingle(), Is.EqualTo(score.Score));
            Assert.That(root.GetProperty("is_fraud").GetBoolean(), Is.True);
            Assert.That(root.GetProperty("source_offset").GetInt64(), Is.EqualTo(score.SourceOffset));
            Assert.That(root.GetProperty("scored_time").GetInt64(), Is.EqualTo(score.ScoredTime.ToUnixTimeMilliseconds()));
            Assert.That(codec.Decode(body.WrittenSpan), Is.EqualTo(score));
        });
    }
}
