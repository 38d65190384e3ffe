using FraudStream.Core.Outputs;

namespace FraudStream.Avro.Tests;

public sealed class FraudAlertAvroCodecTests
{
    internal static FraudAlert SampleAlert() => new(
        "tx-1", "card-1", 1234.56, 0.9731f, 0.62f, "20261121_093000",
        [new FeatureContribution("amount_z", 4.2f, 1.37f), new FeatureContribution("distance_km", 812.5f, 0.91f), new FeatureContribution("hour_sin", -0.5f, 0.12f)],
        "transactions", 7, 9_876_543_210L,
        DateTimeOffset.FromUnixTimeMilliseconds(1_763_700_000_123), DateTimeOffset.FromUnixTimeMilliseconds(1_763_700_000_456));

    [Test]
    public void Encode_then_decode_round_trips()
    {
        // Arrange
        var codec = new FraudAlertAvroCodec();
        var alert = SampleAlert();

        // Act
        var decoded = codec.Decode(codec.Encode(alert));

        // Assert
        Assert.That(decoded with { TopFeatures = alert.TopFeatures }, Is.EqualTo(alert));
        Assert.That(decoded.TopFeatures, Is.EqualTo(alert.TopFeatures));
    }

    [Test]
    public void An_alert_without_features_round_trips()
    {
        // Arrange
        var codec = new FraudAlertAvroCodec();
        var alert = SampleAlert() with { TopFeatures = [] };

        // Act
        var decoded = codec.Decode(codec.Encode(alert));

        // Assert
        Assert.That(decoded.TopFeatures, Is.Empty);
    }
}
