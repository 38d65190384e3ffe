using System.Globalization;
using FraudStream.Core.Transactions;

namespace FraudStream.Core.Generation;

/// <summary>The names of the generator's scenarios, as written in the CSV's <c>scenario</c> column.</summary>
public static class FraudScenarios
{
    /// <summary>A card-holder's own spending.</summary>
    public const string Genuine = "genuine";

    /// <summary>A stolen card used for amounts far above the card's usual spending, often at high-risk merchants.</summary>
    public const string OutOfProfileAmount = "out_of_profile_amount";

    /// <summary>Cloned cards used at a terminal compromised by a skimmer, during the compromise.</summary>
    public const string CompromisedTerminal = "compromised_terminal";

    /// <summary>A burst of small card-not-present payments checking whether a stolen card number works.</summary>
    public const string CardTesting = "card_testing";

    /// <summary>Card-not-present payments from far away from the card-holder, mostly at night.</summary>
    public const string CardNotPresentSpike = "card_not_present_spike";

    /// <summary>Every fraud scenario.</summary>
    public static IReadOnlyList<string> Fraud { get; } = [OutOfProfileAmount, CompromisedTerminal, CardTesting, CardNotPresentSpike];
}

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

    /// <summary>Average transactions per second of event time (the simulated traffic, not the generation speed); the default spreads 100,000 transactions over about 23 days.</summary>
    public double TransactionsPerSecond { get; init; } = 0.05;

    /// <summary>Throws <see cref="ArgumentException"/> with one sentence when a setting cannot work.</summary>
    public void Validate()
    {
        // Every card is simulated in memory from the start: two billion took gigabytes before writing a row.
        if (Cards is < 1 or > MaxCards) { throw new ArgumentException($"The generator needs from 1 to {MaxCards:N0} cards, not {Cards}."); }
        if (Merchants < 1) { throw new ArgumentException($"The generator needs at least 1 merchant, not {Merchants}."); }
        if (FraudRatio is < 0 or > 0.5 || double.IsNaN(FraudRatio)) { throw new ArgumentException($"The fraud ratio must be between 0 and 0.5, not {FraudRatio.ToString(CultureInfo.InvariantCulture)}."); }
        if (TransactionsPerSecond is <= 0 || !double.IsFinite(TransactionsPerSecond)) { throw new ArgumentException("The simulated rate must be a positive number of transactions per second."); }
    }
}

/// <summary>
/// Generates a realistic, labelled stream of card transactions in event-time order: card-holders with
/// spending profiles shopping near home, merchants with terminals, and the fraud patterns an analyst
/// would recognise (<see cref="FraudScenarios"/>). Deterministic for given <see cref="GeneratorOptions"/>.
/// </summary>
public sealed class TransactionGenerator
{
    private static readonly (string Name, double Latitude, double Longitude, string Country)[] s_cities =
    [
        ("Amsterdam", 52.37, 4.90, "NL"), ("Berlin", 52.52, 13.40, "DE"), ("Paris", 48.86, 2.35, "FR"),
        ("Madrid", 40.42, -3.70, "ES"), ("Milan", 45.46, 9.19, "IT"), ("Warsaw", 52.23, 21.01, "PL"),
        ("Vienna", 48.21, 16.37, "AT"), ("Lisbon", 38.72, -9.14, "PT"),
    ];

    private static readonly (string Name, double Latitude, double Longitude, string Country)[] s_farAway =
    [
        ("Lagos", 6.52, 3.38, "NG"), ("Manila", 14.60, 120.98, "PH"), ("Sao Paulo", -23.55, -46.63, "BR"),
        ("Jakarta", -6.21, 106.85, "ID"), ("Bucharest", 44.43, 26.10, "RO"), ("Kyiv", 50.45, 30.52, "UA"),
    ];

    // Everyday categories (grocery, restaurants, fuel, transport, pharmacy, clothing) and high-risk ones.
    private static readonly string[] s_everydayCategories = ["5411", "5812", "5814", "5541", "4111", "5912", "5651", "5311", "4121", "5999"];
    private static readonly string[] s_highRiskCategories = ["5732", "5944", "5947", "5816", "4829", "7995"];
    private static readonly string[] s_digitalCategories = ["5815", "5816", "5817", "5818"];

    private readonly GeneratorOptions _options;
    private readonly Random _random;
    private readonly Card[] _cards;
    private readonly Merchant[] _merchants;
    private readonly Merchant[] _onlineMerchants;
    private readonly PriorityQueue<LabelledTransaction, (long Ticks, long Sequence)> _pending = new();
    private readonly List<Compromise> _compromises = [];
    private long _sequence;
    private DateTimeOffset _clock;

    /// <summary>Creates a generator; the same options always produce the same sequence.</summary>
    public TransactionGenerator(GeneratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _random = new Random(options.Seed);
        _clock = options.Start;
        _merchants = Enumerable.Range(0, options.Merchants).Select(NewMerchant).ToArray();
        _onlineMerchants = _merchants.Where(m => m.Online).ToArray();
        if (_onlineMerchants.Length == 0)
        {
            _onlineMerchants = [_merchants[0] with { Online = true }];
        }

        _cards = Enumerable.Range(0, options.Cards).Select(NewCard).ToArray();
    }

    /// <summary>The next <paramref name="count"/> transactions, in event-time order.</summary>
    public IEnumerable<LabelledTransaction> Generate(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (var produced = 0; produced < count; produced++)
        {
            // Fraud events may schedule several transactions ahead (a burst); they are emitted in time order.
            while (_pending.Count == 0 || _pending.TryPeek(out _, out var next) && next.Ticks > _clock.UtcTicks)
            {
                Step();
            }

            yield return _pending.Dequeue();
        }
    }

    private void Step()
    {
        _clock = _clock.AddSeconds(-Math.Log(1 - _random.NextDouble()) / _options.TransactionsPerSecond);
        // A fraud event yields 1.625 transactions on average (a card-testing burst yields 2 to 5),
        // so events start at a lower rate for the share of fraud transactions to be FraudRatio.
        if (_random.NextDouble() < _options.FraudRatio / 1.625)
        {
            StartFraud();
        }
        else
        {
            Schedule(Genuine(_cards[_random.Next(_cards.Length)], _clock), FraudScenarios.Genuine);
        }
    }

    private void StartFraud()
    {
        var card = _cards[_random.Next(_cards.Length)];
        switch (_random.Next(4))
        {
            case 0:
                Schedule(OutOfProfile(card), FraudScenarios.OutOfProfileAmount);
                break;
            case 1:
                Schedule(AtCompromisedTerminal(card), FraudScenarios.CompromisedTerminal);
                break;
            case 2:
                // A burst of a few small tests, minutes apart.
                var tests = 2 + _random.Next(4);
                var merchant = _onlineMerchants[_random.Next(_onlineMerchants.Length)];
                var at = _clock;
                for (var i = 0; i < tests; i++)
                {
                    Schedule(CardTest(card, merchant, at), FraudScenarios.CardTesting);
                    at = at.AddSeconds(20 + _random.Next(240));
                }

                break;
            default:
                Schedule(FarAwayCardNotPresent(card), FraudScenarios.CardNotPresentSpike);
                break;
        }
    }

    private Transaction Genuine(Card card, DateTimeOffset at)
    {
        // People shop by day: a night-time transaction is moved into the card's waking hours on the same day.
        if (at.UtcDateTime.Hour < 7 && _random.NextDouble() < 0.9)
        {
            at = at.AddHours(7 + _random.Next(3));
        }

        var online = _random.NextDouble() < card.OnlineShare;
        var travelling = !online && _random.NextDouble() < 0.02;
        var merchant = online ? _onlineMerchants[_random.Next(_onlineMerchants.Length)] : NearbyMerchant(card, travelling);
        var amount = Math.Round(Math.Exp(card.LogMeanAmount + card.LogSigma * Gaussian()), 2);
        if (merchant.Category == "6011")
        {
            amount = 20 * (1 + _random.Next(10));
        }
        else if (_random.NextDouble() < 0.01)
        {
            amount = Math.Round(amount * (4 + 6 * _random.NextDouble()), 2); // an occasional big purchase
        }

        var channel = online ? Channel.Ecommerce : merchant.Category == "6011" ? Channel.Atm : _random.NextDouble() < 0.6 ? Channel.Contactless : Channel.Pos;
        return Build(card, merchant, at, Math.Max(0.5, amount), channel);
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

    private Transaction AtCompromisedTerminal(Card card)
    {
        var compromise = CurrentCompromise();
        var amount = Math.Round(Math.Exp(card.LogMeanAmount) * (2 + 6 * _random.NextDouble()), 2);
        if (_random.NextDouble() < 0.4)
        {
            amount = Math.Round(amount / 10) * 10; // cash-like round sums
        }

        return Build(card, compromise.Merchant, _clock, Math.Max(10, amount), Channel.Pos, compromise.Terminal);
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

    private Transaction Build(Card card, Merchant merchant, DateTimeOffset at, double amount, Channel channel, string? terminal = null)
    {
        var present = channel is Channel.Pos or Channel.Contactless or Channel.Atm;
        terminal ??= present && merchant.Terminals.Length > 0 ? merchant.Terminals[_random.Next(merchant.Terminals.Length)] : null;
        var known = _random.NextDouble() < 0.95; // some issuers do not share the home location
        return new Transaction(
            TransactionId: "", // assigned in Schedule, in generation order
            CardId: card.Id,
            EventTime: at,
            Amount: amount,
            Currency: "EUR",
            MerchantId: merchant.Id,
            MerchantCategory: merchant.Category,
            Channel: channel,
            CardPresent: present,
            TerminalId: terminal,
            MerchantCountry: merchant.Country,
            MerchantLatitude: Math.Round(merchant.Latitude, 5),
            MerchantLongitude: Math.Round(merchant.Longitude, 5),
            CardholderLatitude: known ? Math.Round(card.HomeLatitude, 5) : null,
            CardholderLongitude: known ? Math.Round(card.HomeLongitude, 5) : null);
    }

    private void Schedule(Transaction transaction, string scenario)
    {
        var sequence = ++_sequence;
        // Event times carry milliseconds, as Avro's timestamp-millis does.
        var ticks = transaction.EventTime.UtcTicks;
        var eventTime = new DateTimeOffset(ticks - ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
        var labelled = new LabelledTransaction(
            transaction with { TransactionId = $"T{_options.Seed:X}-{sequence:D9}", EventTime = eventTime },
            scenario != FraudScenarios.Genuine, scenario);
        _pending.Enqueue(labelled, (transaction.EventTime.UtcTicks, sequence));
    }

    private Compromise CurrentCompromise()
    {
        _compromises.RemoveAll(c => c.Until < _clock);
        if (_compromises.Count == 0 || _random.NextDouble() < 0.05)
        {
            var merchant = PickMerchant(m => m.Terminals.Length > 0) ?? _merchants[0];
            var terminal = merchant.Terminals.Length > 0 ? merchant.Terminals[_random.Next(merchant.Terminals.Length)] : $"{merchant.Id}-T1";
            _compromises.Add(new Compromise(merchant, terminal, _clock.AddDays(2 + _random.Next(12))));
        }

        return _compromises[_random.Next(_compromises.Count)];
    }

    private Merchant NearbyMerchant(Card card, bool travelling)
    {
        if (travelling)
        {
            return _merchants[_random.Next(_merchants.Length)];
        }

        // A few tries for a merchant in the card-holder's city, else any physical merchant.
        for (var i = 0; i < 8; i++)
        {
            var m = _merchants[_random.Next(_merchants.Length)];
            if (!m.Online && m.City == card.City)
            {
                return m;
            }
        }

        return PickMerchant(m => !m.Online) ?? _merchants[0];
    }

    private Merchant? PickMerchant(Func<Merchant, bool> predicate)
    {
        for (var i = 0; i < 32; i++)
        {
            var m = _merchants[_random.Next(_merchants.Length)];
            if (predicate(m))
            {
                return m;
            }
        }

        return null;
    }

    private Card NewCard(int i)
    {
        var city = _random.Next(s_cities.Length);
        var home = s_cities[city];
        return new Card(
            Id: $"C{i + 1:D7}",
            City: city,
            HomeLatitude: home.Latitude + Jitter(0.08),
            HomeLongitude: home.Longitude + Jitter(0.08),
            LogMeanAmount: Math.Log(15 + 60 * _random.NextDouble()),
            LogSigma: 0.5 + 0.4 * _random.NextDouble(),
            OnlineShare: 0.05 + 0.3 * _random.NextDouble());
    }

    private Merchant NewMerchant(int i)
    {
        var city = _random.Next(s_cities.Length);
        var place = s_cities[city];
        var online = _random.NextDouble() < 0.2;
        var category = online ? PickCategory(highRiskShare: 0.3) : _random.NextDouble() < 0.05 ? "6011" : PickCategory(highRiskShare: 0.08);
        var id = $"M{i + 1:D6}";
        var terminals = online ? [] : Enumerable.Range(1, 1 + _random.Next(3)).Select(t => $"{id}-T{t}").ToArray();
        return new Merchant(id, category, place.Latitude + Jitter(0.1), place.Longitude + Jitter(0.1), place.Country, online, terminals) { City = city };
    }

    private string PickCategory(double highRiskShare) =>
        _random.NextDouble() < highRiskShare
            ? s_highRiskCategories[_random.Next(s_highRiskCategories.Length)]
            : s_everydayCategories[_random.Next(s_everydayCategories.Length)];

    /// <summary>The same moment if it is night already, else a time in the coming night (00:00-06:00 UTC).</summary>
    private DateTimeOffset NightTime(DateTimeOffset at) => at.UtcDateTime.Hour < 6
        ? at
        : new DateTimeOffset(at.UtcDateTime.Date.AddDays(1), TimeSpan.Zero).AddMinutes(_random.Next(6 * 60));

    private double Jitter(double degrees) => (2 * _random.NextDouble() - 1) * degrees;

    private double Gaussian()
    {
        // Box-Muller: two uniforms → one standard normal.
        var u1 = 1 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private sealed record Card(string Id, int City, double HomeLatitude, double HomeLongitude, double LogMeanAmount, double LogSigma, double OnlineShare);

    private sealed record Merchant(string Id, string Category, double Latitude, double Longitude, string Country, bool Online, string[] Terminals)
    {
        public int City { get; init; } = -1;
    }

    private sealed record Compromise(Merchant Merchant, string Terminal, DateTimeOffset Until);
}
