using System.Globalization;

namespace FraudStream.Simulation;

/// <summary>How to generate transactions.</summary>
public sealed record GeneratorOptions
{
    /// <summary>Seed: the same options give the same transactions.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Number of cards.</summary>
    public int Cards { get; init; } = 5_000;

    /// <summary>Number of merchants (each with one to three terminals).</summary>
    public int Merchants { get; init; } = 1_000;

    /// <summary>Expected share of transactions that are fraudulent, 0..0.5.</summary>
    public double FraudRatio { get; init; } = 0.01;

    /// <summary>Event time of the first transaction.</summary>
    public DateTimeOffset Start { get; init; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Most cards a generator simulates.</summary>
    public const int MaxCards = 1_000_000;

    /// <summary>Longest label delay accepted.</summary>
    public static readonly TimeSpan MaxLabelDelay = TimeSpan.FromDays(365);

    /// <summary>Average transactions per second of event time (the simulated traffic, not the generation speed); the default spreads 100,000 transactions over about 23 days.</summary>
    public double TransactionsPerSecond { get; init; } = 0.05;

    /// <summary>Shortest time from a fraud to its label (the chargeback or the card-holder's report).</summary>
    public TimeSpan ChargebackDelayMin { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Longest time from a fraud to its label; delays between the two lean towards the short end.</summary>
    public TimeSpan ChargebackDelayMax { get; init; } = TimeSpan.FromDays(14);

    /// <summary>Time from a genuine transaction to its confirmation as genuine (settled without dispute).</summary>
    public TimeSpan SettlementDelay { get; init; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The fraud scenarios to generate (names from <see cref="FraudScenarios.Fraud"/>), each with its usual share of fraud
    /// events; null, the default, is all of them. E.g. only what a transaction alone shows, for a model without history.
    /// </summary>
    public IReadOnlyList<string>? Scenarios { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> with one sentence when a setting cannot work.</summary>
    public void Validate()
    {
        // Every card is simulated in memory from the start: two billion took gigabytes before writing a row.
        if (Cards is < 1 or > MaxCards) { throw new ArgumentException($"The generator needs from 1 to {MaxCards:N0} cards, not {Cards}."); }
        if (Merchants < 1) { throw new ArgumentException($"The generator needs at least 1 merchant, not {Merchants}."); }
        if (FraudRatio is < 0 or > 0.5 || double.IsNaN(FraudRatio)) { throw new ArgumentException($"The fraud ratio must be between 0 and 0.5, not {FraudRatio.ToString(CultureInfo.InvariantCulture)}."); }
        if (TransactionsPerSecond is <= 0 || !double.IsFinite(TransactionsPerSecond)) { throw new ArgumentException("The simulated rate must be a positive number of transactions per second."); }
        if (!IsLabelDelay(ChargebackDelayMin) || !IsLabelDelay(ChargebackDelayMax) || ChargebackDelayMax < ChargebackDelayMin)
        {
            throw new ArgumentException($"The chargeback delay must be a range within 0 to {MaxLabelDelay.TotalDays:N0} days with its minimum not above its maximum, not {ChargebackDelayMin} to {ChargebackDelayMax}.");
        }

        if (Scenarios is not null && (Scenarios.Count == 0 || Scenarios.Any(s => !FraudScenarios.Fraud.Contains(s))))
        {
            var wrong = Scenarios.Count == 0 ? "none" : $"'{Scenarios.First(s => !FraudScenarios.Fraud.Contains(s))}'";
            throw new ArgumentException($"The fraud scenarios must be some of {string.Join(", ", FraudScenarios.Fraud)}, not {wrong}.");
        }

        if (!IsLabelDelay(SettlementDelay)) { throw new ArgumentException($"The settlement delay must be from 0 to {MaxLabelDelay.TotalDays:N0} days, not {SettlementDelay}."); }
    }

    private static bool IsLabelDelay(TimeSpan delay) => delay >= TimeSpan.Zero && delay <= MaxLabelDelay;
}
