using System.Text.Json;
using System.Text.Json.Nodes;
using FraudStream.Api;
using FraudStream.Cli.Verbs;
using FraudStream.Core.Outputs;

namespace FraudStream.Cli.Tests.Api;

public sealed class FeatureContributionJsonTests
{
    private static readonly FeatureContribution[] s_features =
    [
        new("distance_from_home_km", float.NaN, 0.42f), // a missing feature whose absence pushed the score up
        new("amount", 1234.5f, 0.31f),
    ];

    [Test]
    public void A_missing_feature_value_is_null_in_an_answer_not_an_exception()
    {
        var json = JsonSerializer.Serialize(s_features, ApiEndpoints.Json);

        var features = JsonNode.Parse(json)!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That(features[0]!["value"], Is.Null);
            Assert.That(features[0]!["contribution"]!.GetValue<float>(), Is.EqualTo(0.42f));
            Assert.That(features[1]!["value"]!.GetValue<float>(), Is.EqualTo(1234.5f));
            Assert.That(features[1]!["name"]!.GetValue<string>(), Is.EqualTo("amount"));
        });
    }

    [Test]
    public void A_missing_feature_value_is_null_in_alerts_json()
    {
        var alert = new FraudAlert("t1", "c1", 10, 0.9f, 0.5f, "20261206_000000", s_features, "transactions", 0, 1,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

        var json = JsonNode.Parse(AlertsVerb.ToJson(alert))!;

        Assert.That(json["top_features"]![0]!["value"], Is.Null);
    }
}
