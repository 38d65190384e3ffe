using FraudStream.Core.Transactions;

namespace FraudStream.Simulation;

/// <summary>The fraud scenarios: which one a fraud event is, and the transactions it schedules.</summary>
public sealed partial class TransactionGenerator
{
    // Share of fraud events per scenario and the transactions each event yields on average. Chosen so fraud transactions
    // split roughly: compromised terminal 20%, compromised card 20%, card testing 20%, out-of-profile 15%, account
    // takeover 15%, far-away card-not-present 10%: over half only history reveals.
    private static readonly (string Scenario, double Weight, double Size)[] s_mix =
    [
        (FraudScenarios.OutOfProfileAmount, 0.15, 1),
        (FraudScenarios.CardNotPresentSpike, 0.10, 1),
        (FraudScenarios.CardTesting, 0.20 / CardTestingMeanSize, CardTestingMeanSize),
        (FraudScenarios.AccountTakeover, 0.15 / AccountTakeoverMeanSize, AccountTakeoverMeanSize),
        (FraudScenarios.CompromisedCard, 0.20, 1),
        (FraudScenarios.CompromisedTerminal, 0.20, 1),
    ];

    private const double CardTestingMeanSize = 6.5;   // 3 to 10 tests
    private const double AccountTakeoverMeanSize = 3; // 2 to 4 payments

    private readonly List<Compromise> _terminalCompromises = [];
    private readonly Dictionary<string, Compromise> _compromisedTerminals = new(StringComparer.Ordinal);
    private readonly List<CardCompromise> _cardCompromises = [];
    private (string Scenario, double Weight, double Size)[] _mix = [];
    private double[] _cumulativeWeights = [];
    private double _relabelledCredit;

    /// <summary>Transactions per fraud event on average, over the scenarios generated.</summary>
    private double MeanEventSize { get; set; }

    private void ChooseScenarios(IReadOnlyList<string>? scenarios)
    {
        _mix = [.. s_mix.Where(m => scenarios is null || scenarios.Contains(m.Scenario))];
        var sum = 0.0;
        _cumulativeWeights = [.. _mix.Select(m => sum += m.Weight)];
        MeanEventSize = _mix.Sum(m => m.Weight * m.Size) / sum;

        // A step is one genuine transaction or one fraud event of MeanEventSize transactions on average: for fraud to be
        // FraudRatio of all transactions, p·m / (p·m + 1 − p) = r, so p = r / (m(1 − r) + r).
        var r = _options.FraudRatio;
        _fraudEventChance = r / (MeanEventSize * (1 - r) + r);
    }

    private void StartFraud()
    {
        var pick = _random.NextDouble() * _cumulativeWeights[^1];
        var scenario = _mix[Array.FindIndex(_cumulativeWeights, w => pick < w) is var i and >= 0 ? i : _mix.Length - 1].Scenario;
        var card = _cards[_random.Next(_cards.Length)];
        switch (scenario)
        {
            case FraudScenarios.OutOfProfileAmount:
                Schedule(OutOfProfile(card), scenario);
                break;
            case FraudScenarios.CardNotPresentSpike:
                Schedule(FarAwayCardNotPresent(card), scenario);
                break;
            case FraudScenarios.CardTesting:
                // A burst of small tests at one online merchant, seconds apart: a bot trying a card number.
                var tests = 3 + _random.Next(8);
                var merchant = _onlineMerchants[_random.Next(_onlineMerchants.Length)];
                var at = _clock;
                for (var t = 0; t < tests; t++)
                {
                    Schedule(CardTest(card, merchant, at), scenario);
                    at = at.AddSeconds(5 + _random.Next(55));
                }

                break;
            case FraudScenarios.AccountTakeover:
                AccountTakeover(card);
                break;
            case FraudScenarios.CompromisedCard:
                Schedule(AtCompromisedCard(), scenario);
                break;
            default:
                Schedule(AtCompromisedTerminal(), scenario);
                break;
        }
    }

    private Transaction OutOfProfile(Card card)
    {
        var online = _random.NextDouble() < 0.6;
        var merchant = online
            ? _onlineMerchants[_random.Next(_onlineMerchants.Length)]
            : PickMerchant(m => !m.Online && Array.IndexOf(s_highRiskCategories, m.Category) >= 0) ?? NearbyMerchant(card, travelling: false);
        var amount = Math.Round(Math.Exp(card.LogMeanAmount) * (8 + 25 * _random.NextDouble()), 2);
        var at = _random.NextDouble() < 0.5 ? NightTime(_clock) : _clock;
        return Build(card, merchant, at, amount, online ? Channel.Ecommerce : Channel.Pos);
    }

    private Transaction CardTest(Card card, Merchant merchant, DateTimeOffset at)
    {
        var digital = merchant with { Category = s_digitalCategories[_random.Next(s_digitalCategories.Length)] };
        var amount = Math.Round(0.5 + 2.5 * _random.NextDouble(), 2);
        return Build(card, digital, at, amount, Channel.Ecommerce);
    }

    private Transaction FarAwayCardNotPresent(Card card)
    {
        var place = s_farAway[_random.Next(s_farAway.Length)];
        var merchant = new Merchant(
            $"M-X{_random.Next(100_000):D5}", PickCategory(highRiskShare: 0.6), place.Latitude + Jitter(0.2), place.Longitude + Jitter(0.2), place.Country, Online: true, Terminals: []);
        var amount = Math.Round(Math.Exp(card.LogMeanAmount) * (1 + 4 * _random.NextDouble()), 2);
        var at = _random.NextDouble() < 0.7 ? NightTime(_clock) : _clock;
        return Build(card, merchant, at, amount, Channel.Ecommerce);
    }

    /// <summary>
    /// A taken-over card used in person in another city within hours, at merchants there (its own city's are where it
    /// shops), at amounts one to four times its usual: plausible one at a time, odd after the card's last located payment.
    /// </summary>
    private void AccountTakeover(Card card)
    {
        var city = (card.City + 1 + _random.Next(s_cities.Length - 1)) % s_cities.Length;
        var merchants = _physicalByCity[city].Length > 0 ? _physicalByCity[city] : _merchants;
        var payments = 2 + _random.Next(3);
        var at = DaytimeMostly(_clock);
        for (var p = 0; p < payments; p++)
        {
            var merchant = merchants[_random.Next(merchants.Length)];
            var amount = Math.Round(Math.Exp(card.LogMeanAmount) * (1 + 3 * _random.NextDouble()), 2);
            Schedule(Build(card, merchant, at, amount, _random.NextDouble() < 0.5 ? Channel.Contactless : Channel.Pos), FraudScenarios.AccountTakeover);
            at = at.AddMinutes(10 + _random.Next(240));
        }
    }

    /// <summary>
    /// A payment on a card compromised for two to four weeks: an ordinary merchant and time, a few times the card's usual
    /// amount. A new compromise starts with one chance in six, so each one has about six such payments.
    /// </summary>
    private Transaction AtCompromisedCard()
    {
        _cardCompromises.RemoveAll(c => c.Until < _clock);
        if (_cardCompromises.Count == 0 || _random.NextDouble() < 1.0 / 6)
        {
            _cardCompromises.Add(new CardCompromise(_cards[_random.Next(_cards.Length)], _clock.AddDays(14 + 14 * _random.NextDouble())));
        }

        var card = _cardCompromises[_random.Next(_cardCompromises.Count)].Card;
        var online = _random.NextDouble() < card.OnlineShare;
        var merchant = online ? _onlineMerchants[_random.Next(_onlineMerchants.Length)] : NearbyMerchant(card, travelling: false);
        var amount = Math.Round(Math.Exp(card.LogMeanAmount) * (3 + 3 * _random.NextDouble()), 2);
        return Build(card, merchant, DaytimeMostly(_clock), amount, online ? Channel.Ecommerce : _random.NextDouble() < 0.6 ? Channel.Contactless : Channel.Pos);
    }

    /// <summary>
    /// A payment at a terminal compromised for two to ten days, by a card from the terminal's town at the card's ordinary
    /// amount: nothing in the transaction shows it. A new compromise starts with one chance in twenty (about twenty such
    /// payments each), and genuine payments that land on a compromised terminal meanwhile are fraud too (see Schedule).
    /// </summary>
    private Transaction AtCompromisedTerminal()
    {
        // Forgotten a day after they end: rows still waiting to be emitted may fall in them (see Generate).
        var forgotten = _clock.AddDays(-1);
        foreach (var over in _terminalCompromises.Where(c => c.Until < forgotten))
        {
            _compromisedTerminals.Remove(over.Terminal);
        }

        _terminalCompromises.RemoveAll(c => c.Until < forgotten);
        if (_terminalCompromises.Count == 0 || _random.NextDouble() < 0.05)
        {
            var merchant = PickMerchant(m => m.Terminals.Length > 0) ?? _merchants[0];
            var terminal = merchant.Terminals.Length > 0 ? merchant.Terminals[_random.Next(merchant.Terminals.Length)] : $"{merchant.Id}-T1";
            var compromise = new Compromise(merchant, terminal, _clock, _clock.AddDays(2 + 8 * _random.NextDouble()));
            if (_compromisedTerminals.TryAdd(terminal, compromise))
            {
                _terminalCompromises.Add(compromise); // else it is compromised already, and in the list
            }
        }

        var active = _terminalCompromises.Where(c => c.Until > _clock).ToList();
        var at = active.Count > 0 ? active[_random.Next(active.Count)] : _terminalCompromises[^1];
        var card = CardFrom(at.Merchant.City) ?? _cards[_random.Next(_cards.Length)];
        return Ordinary(card, at.Merchant, _clock, at.Terminal);
    }

    private bool IsCompromised(string? terminal, DateTimeOffset at) =>
        terminal is not null && _compromisedTerminals.TryGetValue(terminal, out var c) && at >= c.From && at < c.Until;

    /// <summary>A card whose home is in <paramref name="city"/>, if a few tries find one.</summary>
    private Card? CardFrom(int city)
    {
        for (var i = 0; i < 16; i++)
        {
            var card = _cards[_random.Next(_cards.Length)];
            if (card.City == city)
            {
                return card;
            }
        }

        return null;
    }

    private sealed record Compromise(Merchant Merchant, string Terminal, DateTimeOffset From, DateTimeOffset Until);

    private sealed record CardCompromise(Card Card, DateTimeOffset Until);
}
