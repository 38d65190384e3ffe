using FraudStream.Simulation;
using FraudStream.Core.Transactions;

namespace FraudStream.Core.Tests;

/// <summary>The generator's label times and the fraud scenarios that only history reveals, checked on one generated sample.</summary>
public sealed class GeneratedHistoryScenarioTests
{
    private List<LabelledTransaction> _rows = null!;

    [OneTimeSetUp]
    public void Generate() =>
        _rows = new TransactionGenerator(new GeneratorOptions { Seed = 17, Cards = 2_000, FraudRatio = 0.03 }).Generate(150_000).ToList();

    [Test]
    public void Genuine_rows_are_confirmed_after_the_settlement_delay_and_fraud_after_a_chargeback_delay()
    {
        var delays = _rows.Select(r => (r.IsFraud, Delay: r.LabelTime!.Value - r.Transaction.EventTime)).ToList();
        var fraud = delays.Where(d => d.IsFraud).Select(d => d.Delay.TotalDays).Order().ToList();

        Assert.Multiple(() =>
        {
            Assert.That(_rows.All(r => r.LabelTime is not null), Is.True, "every row has a label time");
            Assert.That(delays.Where(d => !d.IsFraud).Select(d => d.Delay).Distinct(), Is.EqualTo(new[] { TimeSpan.FromDays(7) }));
            Assert.That(fraud.First(), Is.GreaterThanOrEqualTo(1));
            Assert.That(fraud.Last(), Is.LessThanOrEqualTo(14));
            Assert.That(fraud[fraud.Count / 2], Is.InRange(2.5, 6.5), "most chargebacks come within days");
            Assert.That(fraud.Last() - fraud.First(), Is.GreaterThan(10), "delays spread over the range");
        });
    }

    [Test]
    public void Label_delays_follow_the_options()
    {
        var options = new GeneratorOptions { ChargebackDelayMin = TimeSpan.FromHours(1), ChargebackDelayMax = TimeSpan.FromHours(2), SettlementDelay = TimeSpan.Zero, FraudRatio = 0.1 };

        var rows = new TransactionGenerator(options).Generate(5_000).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(rows.Where(r => !r.IsFraud).All(r => r.LabelTime == r.Transaction.EventTime), Is.True);
            Assert.That(rows.Where(r => r.IsFraud).Select(r => (r.LabelTime!.Value - r.Transaction.EventTime).TotalHours), Is.All.InRange(1.0, 2.0));
        });
    }

    [Test]
    public void A_compromised_terminal_turns_every_payment_on_it_into_fraud_for_days_at_ordinary_amounts()
    {
        var compromised = _rows.Where(r => r.Scenario == FraudScenarios.CompromisedTerminal).ToList();
        // A terminal may be compromised more than once: its compromised rows split where a day passes without one.
        var windows = compromised.GroupBy(r => r.Transaction.TerminalId!)
            .SelectMany(g => SplitAtGaps(g.Select(r => r.Transaction.EventTime), TimeSpan.FromDays(1)).Select(w => (Terminal: g.Key, w.From, w.To, w.Count)))
            .Where(w => w.Count >= 5)
            .ToList();
        var insideAWindow = _rows.Where(r => windows.Any(w =>
            r.Transaction.TerminalId == w.Terminal && r.Transaction.EventTime >= w.From && r.Transaction.EventTime <= w.To)).ToList();
        var genuine = _rows.Where(r => !r.IsFraud && r.Transaction.CardPresent == true).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(windows, Has.Count.GreaterThan(10));
            Assert.That(insideAWindow.Where(r => !r.IsFraud).Select(r => r.Transaction.TransactionId), Is.Empty, "nothing genuine at a terminal while it is compromised");
            Assert.That(Median(windows.Select(w => (w.To - w.From).TotalDays)), Is.InRange(1.5, 10), "compromises last days");
            Assert.That(Median(compromised.Select(r => r.Transaction.Amount)), Is.InRange(0.7 * Median(genuine.Select(r => r.Transaction.Amount)), 1.4 * Median(genuine.Select(r => r.Transaction.Amount))), "ordinary amounts");
            Assert.That(Median(compromised.Select(DistanceFromHomeKm).OfType<double>()), Is.LessThan(100), "cards from the terminal's town");
        });
    }

    [Test]
    public void A_compromised_card_spends_a_few_times_its_own_usual_amount_for_weeks()
    {
        var genuineMedian = _rows.Where(r => !r.IsFraud).GroupBy(r => r.Transaction.CardId).ToDictionary(g => g.Key, g => Median(g.Select(r => r.Transaction.Amount)));
        var campaigns = _rows.Where(r => r.Scenario == FraudScenarios.CompromisedCard).GroupBy(r => r.Transaction.CardId).Where(g => g.Count() >= 3).ToList();
        var ratios = campaigns.SelectMany(g => g.Select(r => r.Transaction.Amount / genuineMedian[g.Key]));
        var outOfProfile = _rows.Where(r => r.Scenario == FraudScenarios.OutOfProfileAmount).Select(r => r.Transaction.Amount);

        Assert.Multiple(() =>
        {
            Assert.That(campaigns, Has.Count.GreaterThan(20));
            Assert.That(Median(ratios), Is.InRange(2.5, 8), "a few times the card's own usual amount");
            Assert.That(Median(campaigns.Select(g => (g.Max(r => r.Transaction.EventTime) - g.Min(r => r.Transaction.EventTime)).TotalDays)), Is.GreaterThan(4), "spread over weeks");
            Assert.That(Median(campaigns.SelectMany(g => g).Select(r => r.Transaction.Amount)), Is.LessThan(Median(outOfProfile) / 2), "not an absolute jump");
        });
    }

    [Test]
    public void Card_testing_is_a_burst_of_small_online_payments_within_minutes_on_one_card()
    {
        var tests = _rows.Where(r => r.Scenario == FraudScenarios.CardTesting).Select(r => r.Transaction).ToList();
        var bursts = tests.GroupBy(t => (t.CardId, t.MerchantId)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(bursts, Has.Count.GreaterThan(20));
            Assert.That(bursts.All(b => b.Count() >= 3), Is.True, "many payments per burst");
            Assert.That(bursts.Max(b => (b.Max(t => t.EventTime) - b.Min(t => t.EventTime)).TotalMinutes), Is.LessThanOrEqualTo(10), "within minutes of event time");
            Assert.That(tests.All(t => t.Amount <= 3 && t.CardPresent == false), Is.True);
        });
    }

    [Test]
    public void An_account_takeover_pays_far_from_home_at_merchants_the_card_never_used()
    {
        var seen = new Dictionary<string, HashSet<string>>();
        var takeovers = 0;
        var newMerchant = 0;
        var far = 0;
        foreach (var row in _rows)
        {
            var t = row.Transaction;
            var merchants = seen.TryGetValue(t.CardId, out var set) ? set : seen[t.CardId] = [];
            if (row.Scenario == FraudScenarios.AccountTakeover)
            {
                takeovers++;
                newMerchant += merchants.Contains(t.MerchantId) ? 0 : 1;
                far += DistanceFromHomeKm(row) is not { } km || km > 250 ? 1 : 0;
            }
            else
            {
                merchants.Add(t.MerchantId);
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(takeovers, Is.GreaterThan(100));
            Assert.That(newMerchant / (double)takeovers, Is.GreaterThan(0.99), "merchants the card had not used");
            Assert.That(far, Is.EqualTo(takeovers), "far from home");
        });
    }

    private static IEnumerable<(DateTimeOffset From, DateTimeOffset To, int Count)> SplitAtGaps(IEnumerable<DateTimeOffset> times, TimeSpan gap)
    {
        var sorted = times.Order().ToList();
        var start = 0;
        for (var i = 1; i <= sorted.Count; i++)
        {
            if (i == sorted.Count || sorted[i] - sorted[i - 1] > gap)
            {
                yield return (sorted[start], sorted[i - 1], i - start);
                start = i;
            }
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static double? DistanceFromHomeKm(LabelledTransaction row)
    {
        var t = row.Transaction;
        if (t.CardholderLatitude is not { } lat1 || t.CardholderLongitude is not { } lon1 || t.MerchantLatitude is not { } lat2 || t.MerchantLongitude is not { } lon2)
        {
            return null;
        }

        static double Rad(double degrees) => degrees * Math.PI / 180;
        var a = Math.Pow(Math.Sin(Rad(lat2 - lat1) / 2), 2) + Math.Cos(Rad(lat1)) * Math.Cos(Rad(lat2)) * Math.Pow(Math.Sin(Rad(lon2 - lon1) / 2), 2);
        return 2 * 6371 * Math.Asin(Math.Sqrt(a));
    }
}
