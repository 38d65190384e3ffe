using FraudStream.Core.Transactions;

namespace FraudStream.Simulation;

/// <summary>
/// Generates a realistic, labelled stream of card transactions in event-time order: card-holders with
/// spending profiles shopping near home, merchants with terminals, the fraud patterns an analyst
/// would recognise (<see cref="FraudScenarios"/>), some visible only in history, and each row's label time
/// (a chargeback delay for fraud, a settlement delay for genuine). Deterministic for given <see cref="GeneratorOptions"/>.
/// </summary>
public sealed partial class TransactionGenerator
{
    private GeneratorOptions _options;
    private readonly Random _random;
    private readonly Card[] _cards;
    private readonly Merchant[] _merchants;
    private readonly Merchant[] _onlineMerchants;
    private readonly PriorityQueue<LabelledTransaction, (long Ticks, long Sequence)> _pending = new();
    private double _fraudEventChance;
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

        _physicalByCity = Enumerable.Range(0, s_cities.Length)
            .Select(city => _merchants.Where(m => !m.Online && m.City == city && m.Terminals.Length > 0).ToArray())
            .ToArray();
        _cards = Enumerable.Range(0, options.Cards).Select(NewCard).ToArray();

        ChooseScenarios(options.Scenarios);
    }

    /// <summary>
    /// From the next transaction on, generates <paramref name="scenarios"/> (null: all of them), at
    /// <paramref name="fraudRatio"/> when given (else the ratio so far), in the same world and clock: a fraud pattern that
    /// appears (or stops) mid-stream, as drift detection and retraining meet it.
    /// </summary>
    public void UseScenarios(IReadOnlyList<string>? scenarios, double? fraudRatio = null)
    {
        var changed = _options with { Scenarios = scenarios, FraudRatio = fraudRatio ?? _options.FraudRatio };
        changed.Validate();
        _options = changed;
        ChooseScenarios(scenarios);
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

            yield return AsLabelledWhenDue(_pending.Dequeue());
        }
    }

    private void Step()
    {
        _clock = _clock.AddSeconds(-Math.Log(1 - _random.NextDouble()) / _options.TransactionsPerSecond);
        if (_random.NextDouble() < _fraudEventChance)
        {
            // Genuine payments at a compromised terminal became fraud: they stand in for fraud events, so the ratio holds.
            if (_relabelledCredit > 0)
            {
                _relabelledCredit -= MeanEventSize;
            }
            else
            {
                StartFraud();
                return;
            }
        }

        var card = _cards[_random.Next(_cards.Length)];
        var online = _random.NextDouble() < card.OnlineShare;
        var travelling = !online && _random.NextDouble() < 0.02;
        var merchant = online ? _onlineMerchants[_random.Next(_onlineMerchants.Length)] : NearbyMerchant(card, travelling);
        Schedule(Ordinary(card, merchant, DaytimeMostly(_clock), terminal: null), FraudScenarios.Genuine);
    }

    /// <summary>A card-holder's own kind of payment at <paramref name="merchant"/>: the card's usual amounts and channels.</summary>
    private Transaction Ordinary(Card card, Merchant merchant, DateTimeOffset at, string? terminal)
    {
        var amount = Math.Round(Math.Exp(card.LogMeanAmount + card.LogSigma * Gaussian()), 2);
        if (merchant.Category == "6011")
        {
            amount = 20 * (1 + _random.Next(10));
        }
        else if (_random.NextDouble() < 0.01)
        {
            amount = Math.Round(amount * (4 + 6 * _random.NextDouble()), 2); // an occasional big purchase
        }

        var channel = merchant.Online ? Channel.Ecommerce : merchant.Category == "6011" ? Channel.Atm : _random.NextDouble() < 0.6 ? Channel.Contactless : Channel.Pos;
        return Build(card, merchant, at, Math.Max(0.5, amount), channel, terminal);
    }

    /// <summary>People shop by day: a night-time moment is mostly moved into the waking hours of the same day.</summary>
    private DateTimeOffset DaytimeMostly(DateTimeOffset at) =>
        at.UtcDateTime.Hour < 7 && _random.NextDouble() < 0.9 ? at.AddHours(7 + _random.Next(3)) : at;

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

    /// <summary>
    /// A genuine row at a terminal compromised at its event time is fraud: decided when it is due, since a compromise may
    /// start after a row was scheduled (a daytime payment planned hours ahead) and before it happens.
    /// </summary>
    private LabelledTransaction AsLabelledWhenDue(LabelledTransaction row)
    {
        var t = row.Transaction;
        if (row.IsFraud || !IsCompromised(t.TerminalId, t.EventTime))
        {
            return row;
        }

        _relabelledCredit++;
        return row with { IsFraud = true, Scenario = FraudScenarios.CompromisedTerminal, LabelTime = ToMillis(t.EventTime + ChargebackDelay()) };
    }

    private void Schedule(Transaction transaction, string scenario)
    {
        var sequence = ++_sequence;
        var isFraud = scenario != FraudScenarios.Genuine;
        // Event and label times carry milliseconds, as Avro's timestamp-millis does.
        var eventTime = ToMillis(transaction.EventTime);
        var labelTime = ToMillis(eventTime + (isFraud ? ChargebackDelay() : _options.SettlementDelay));
        var labelled = new LabelledTransaction(
            transaction with { TransactionId = $"T{_options.Seed:X}-{sequence:D9}", EventTime = eventTime },
            isFraud, scenario, labelTime);
        _pending.Enqueue(labelled, (transaction.EventTime.UtcTicks, sequence));
    }

    /// <summary>Most frauds are reported within days, a few take the longest: the square of a uniform leans to the short end.</summary>
    private TimeSpan ChargebackDelay()
    {
        var u = _random.NextDouble();
        return _options.ChargebackDelayMin + (_options.ChargebackDelayMax - _options.ChargebackDelayMin) * (u * u);
    }

    private static DateTimeOffset ToMillis(DateTimeOffset time)
    {
        var ticks = time.UtcTicks;
        return new DateTimeOffset(ticks - ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
    }
}
