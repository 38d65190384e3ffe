using FraudStream.Core.Features.History;
using FraudStream.Streaming.ExactlyOnce;

namespace FraudStream.IntegrationTests.Scoring;

/// <summary>The alert path the scorer runs on made-up transactions before its first batch, with the test model.</summary>
[TestFixture]
public sealed class ScorerWarmUpTests
{
    [TestCase(true)]
    [TestCase(false)]
    public async Task The_warm_up_takes_every_made_up_row_through_an_alerts_explanation(bool withHistory)
    {
        var registry = await TestModels.DirectoryAsync();
        using var model = await TestModels.LoadAsync(registry, await TestModels.FirstAsync());

        var found = ScorerWarmUp.Run(model, topFeatures: 3, withHistory ? HistorySettings.Default : null);

        // Three rounds of 32 rows, each explained as if it alerted: up to three features pushed each score up.
        Assert.That(found, Is.InRange(3 * 32, 3 * 32 * 3), "top features found over the warm-up's rows");
    }
}
