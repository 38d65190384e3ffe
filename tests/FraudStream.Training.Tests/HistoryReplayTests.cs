using FraudStream.Core.Features.History;
using FraudStream.Core.Transactions;
using FraudStream.Training.Data;

namespace FraudStream.Training.Tests;

/// <summary>The replay fed one row at a time, as <c>fraudstream predict</c> feeds it: labels only when a row has one.</summary>
public sealed class HistoryReplayTests
{
    private static readonly DateTimeOffset s_start = DateTimeOffset.Parse("2026-03-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly int s_merchantFrauds1d = HistoryFeatures.Names.ToList().IndexOf("merchant_frauds_1d");

    [Test]
    public void A_labelled_row_informs_its_merchant_from_its_label_time_and_an_unlabelled_row_never()
    {
        var labelled = ReplayMerchantFrauds(isFraud: true);
        var unlabelled = ReplayMerchantFrauds(isFraud: null);

        Assert.Multiple(() =>
        {
            Assert.That(labelled, Is.EqualTo(1f), "the fraud label, known an hour later, counts for the next transaction");
            Assert.That(unlabelled, Is.NaN, "a row without a label leaves the merchant without labels");
        });
    }

    [Test]
    public void A_row_older_than_one_observed_before_it_is_refused()
    {
        var replay = new HistoryReplay(HistorySettings.Default, TimeSpan.FromDays(7));
        replay.Observe(Tx("a", "C-1", TimeSpan.FromHours(1)), null, null, new float[HistoryFeatures.Count]);

        Assert.Throws<ArgumentException>(() => replay.Observe(Tx("b", "C-2", TimeSpan.Zero), null, null, new float[HistoryFeatures.Count]));
    }

    /// <summary>A transaction of <paramref name="card"/> at the one merchant and terminal, <paramref name="after"/> the start.</summary>
    private static Transaction Tx(string id, string card, TimeSpan after) =>
        new(id, card, s_start + after, 10, "EUR", "M-1", "5411", Channel.Pos, CardPresent: true, TerminalId: "T-1");

    /// <summary>merchant_frauds_1d of a second card's transaction two hours after a first one labelled <paramref name="isFraud"/> an hour after it.</summary>
    private static float ReplayMerchantFrauds(bool? isFraud)
    {
        var replay = new HistoryReplay(HistorySettings.Default, TimeSpan.FromDays(7));
        var features = new float[HistoryFeatures.Count];
        replay.Observe(Tx("a", "C-1", TimeSpan.Zero), isFraud, s_start + TimeSpan.FromHours(1), features);
        replay.Observe(Tx("b", "C-2", TimeSpan.FromHours(2)), null, null, features);
        return features[s_merchantFrauds1d];
    }
}
