using FraudStream.Simulation;
using FraudStream.Core.Transactions;

namespace FraudStream.Core.Tests;

public sealed class TransactionGeneratorTests
{
    [Test]
    public void The_same_seed_generates_the_same_transactions()
    {
        var first = new TransactionGenerator(new GeneratorOptions { Seed = 7 }).Generate(5_000).ToList();
        var second = new TransactionGenerator(new GeneratorOptions { Seed = 7 }).Generate(5_000).ToList();
        var other = new TransactionGenerator(new GeneratorOptions { Seed = 8 }).Generate(5_000).ToList();

        Assert.That(second, Is.EqualTo(first));
        Assert.That(other.Select(t => t.Transaction.Amount), Is.Not.EqualTo(first.Select(t => t.Transaction.Amount)));
    }

    [Test]
    public void Transactions_come_in_event_time_order_with_unique_ids()
    {
        var rows = new TransactionGenerator(new GeneratorOptions()).Generate(20_000).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(rows.Select(r => r.Transaction.EventTime), Is.Ordered);
            Assert.That(rows.Select(r => r.Transaction.TransactionId), Is.Unique);
        });
    }

    [Test]
    public void The_fraud_share_follows_the_ratio_and_every_scenario_occurs()
    {
        var rows = new TransactionGenerator(new GeneratorOptions { FraudRatio = 0.02, Seed = 3 }).Generate(100_000).ToList();

        var share = rows.Count(r => r.IsFraud) / (double)rows.Count;
        var scenarios = rows.Where(r => r.IsFraud).Select(r => r.Scenario).Distinct().Order().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(share, Is.InRange(0.017, 0.023));
            Assert.That(scenarios, Is.EqualTo(FraudScenarios.Fraud.Order()));
            Assert.That(rows.Where(r => !r.IsFraud).Select(r => r.Scenario).Distinct(), Is.EqualTo(new[] { FraudScenarios.Genuine }));
        });
    }

    [Test]
    public void A_zero_ratio_generates_no_fraud()
    {
        var rows = new TransactionGenerator(new GeneratorOptions { FraudRatio = 0 }).Generate(10_000);

        Assert.That(rows.Count(r => r.IsFraud), Is.Zero);
    }

    [Test]
    public void Fraud_looks_different_from_genuine_spending()
    {
        var rows = new TransactionGenerator(new GeneratorOptions { FraudRatio = 0.05 }).Generate(50_000).ToList();

        double Median(IEnumerable<double> values) => values.Order().ElementAt(values.Count() / 2);
        var testing = rows.Where(r => r.Scenario == FraudScenarios.CardTesting).Select(r => r.Transaction).ToList();
        var outOfProfile = rows.Where(r => r.Scenario == FraudScenarios.OutOfProfileAmount).Select(r => r.Transaction.Amount);
        var genuine = rows.Where(r => !r.IsFraud).Select(r => r.Transaction.Amount).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(testing.All(t => t.Amount <= 3 && t.Channel == Channel.Ecommerce && t.CardPresent == false), Is.True);
            Assert.That(Median(outOfProfile), Is.GreaterThan(5 * Median(genuine)));
        });
    }

    [TestCase(0, 0.01, TestName = "No cards")]
    [TestCase(10, 0.9, TestName = "Fraud ratio above one half")]
    public void Options_that_cannot_work_are_refused(int cards, double ratio)
    {
        Assert.Throws<ArgumentException>(() => _ = new TransactionGenerator(new GeneratorOptions { Cards = cards, FraudRatio = ratio }));
    }

    [Test]
    public void Only_the_chosen_scenarios_are_generated_and_the_ratio_still_holds()
    {
        var rows = new TransactionGenerator(new GeneratorOptions
        {
            FraudRatio = 0.02, Seed = 4, Scenarios = [FraudScenarios.CardTesting, FraudScenarios.OutOfProfileAmount],
        }).Generate(60_000).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(rows.Where(r => r.IsFraud).Select(r => r.Scenario).Distinct().Order(), Is.EqualTo(new[] { FraudScenarios.CardTesting, FraudScenarios.OutOfProfileAmount }));
            Assert.That(rows.Count(r => r.IsFraud) / (double)rows.Count, Is.InRange(0.016, 0.024));
        });
    }

    [Test]
    public void A_scenario_that_appears_mid_stream_shows_only_from_then_on_in_the_same_world_and_clock()
    {
        var generator = new TransactionGenerator(new GeneratorOptions { FraudRatio = 0.02, Seed = 5, Scenarios = [FraudScenarios.OutOfProfileAmount] });
        var before = generator.Generate(30_000).ToList();
        generator.UseScenarios([FraudScenarios.OutOfProfileAmount, FraudScenarios.CardTesting]);
        var after = generator.Generate(30_000).ToList();
        generator.UseScenarios([FraudScenarios.CardTesting], fraudRatio: 0.1);
        var wave = generator.Generate(30_000).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(before.Where(r => r.IsFraud).Select(r => r.Scenario).Distinct(), Is.EqualTo(new[] { FraudScenarios.OutOfProfileAmount }));
            Assert.That(after.Where(r => r.IsFraud).Select(r => r.Scenario).Distinct().Order(), Is.EqualTo(new[] { FraudScenarios.CardTesting, FraudScenarios.OutOfProfileAmount }));
            Assert.That(after.Count(r => r.IsFraud) / (double)after.Count, Is.InRange(0.016, 0.024), "the ratio holds with the new mix");
            Assert.That(wave.Where(r => r.IsFraud).Count(r => r.Scenario == FraudScenarios.CardTesting) / (double)wave.Count(r => r.IsFraud), Is.GreaterThan(0.97),
                "all but what was already scheduled (a night-time payment a fraud event planned hours ahead)");
            Assert.That(wave.Count(r => r.IsFraud) / (double)wave.Count, Is.InRange(0.09, 0.11), "a wave at its own ratio");
            Assert.That(after[0].Transaction.EventTime, Is.GreaterThanOrEqualTo(before[^1].Transaction.EventTime), "one clock");
            Assert.That(before.Concat(after).Concat(wave).Select(r => r.Transaction.TransactionId).Distinct().Count(), Is.EqualTo(90_000), "one id sequence");
            Assert.That(after.Select(r => r.Transaction.CardId).Intersect(before.Select(r => r.Transaction.CardId)).Count(), Is.GreaterThan(2_000), "the same cards");
        });
        Assert.Throws<ArgumentException>(() => generator.UseScenarios(["skimming"]));
        Assert.Throws<ArgumentException>(() => generator.UseScenarios(null, fraudRatio: 0.9));
    }

    [Test]
    public void Unknown_or_no_scenarios_are_refused_naming_the_choices()
    {
        var unknown = Assert.Throws<ArgumentException>(() => _ = new TransactionGenerator(new GeneratorOptions { Scenarios = ["skimming"] }));
        var none = Assert.Throws<ArgumentException>(() => _ = new TransactionGenerator(new GeneratorOptions { Scenarios = [] }));

        Assert.That(unknown!.Message, Does.Contain("not 'skimming'").And.Contain(FraudScenarios.AccountTakeover));
        Assert.That(none!.Message, Does.EndWith("not none."));
    }

    [TestCase(3, 2, 7, "chargeback delay", TestName = "Chargeback delay minimum above its maximum")]
    [TestCase(-1, 2, 7, "chargeback delay", TestName = "Negative chargeback delay")]
    [TestCase(1, 2, 400, "settlement delay", TestName = "Settlement delay over a year")]
    public void Label_delays_that_cannot_work_are_refused_in_one_sentence(double minDays, double maxDays, double settlementDays, string named)
    {
        var options = new GeneratorOptions
        {
            ChargebackDelayMin = TimeSpan.FromDays(minDays), ChargebackDelayMax = TimeSpan.FromDays(maxDays), SettlementDelay = TimeSpan.FromDays(settlementDays),
        };

        var error = Assert.Throws<ArgumentException>(() => _ = new TransactionGenerator(options));

        Assert.That(error!.Message, Does.StartWith($"The {named} must"));
    }
}
