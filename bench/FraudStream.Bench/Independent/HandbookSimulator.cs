namespace FraudStream.Bench.Independent;

/// <summary>One simulated transaction: raw fields only, times in seconds from the simulation's start.</summary>
internal readonly record struct SimulatedTransaction(int Customer, int Terminal, long Seconds, double Amount, bool IsFraud, string Scenario);

/// <summary>
/// A transaction simulator written from the published description of the "Fraud Detection Handbook" simulator (not its
/// code, not its file): customers and terminals on a 100×100 grid, each customer paying at terminals near home, and three
/// fraud scenarios that only history reveals except the first. Deterministic for a seed.
/// </summary>
/// <remarks>
/// As described there: a customer has a home (uniform on the grid), a mean amount (uniform 5–100, standard deviation half
/// of it) and a mean number of transactions a day (uniform 0–4, Poisson per day); a transaction happens at a normally
/// distributed second of the day around noon (σ 20,000 s, outside the day dropped) at a terminal drawn uniformly from
/// those within <see cref="Radius"/> of home. Scenarios, applied in this order (a later one names the row):
/// amount above 220; each day 2 terminals compromised for 28 days (all their transactions fraud); each day 3 customers
/// compromised for 14 days (a third of their transactions ×5 in amount, fraud).
/// </remarks>
internal sealed class HandbookSimulator(int customers, int terminals, int days, int seed)
{
    public const double Radius = 5;
    public const double GridSize = 100;
    public const double FraudAmount = 220;
    public const int CompromisedTerminalsPerDay = 2;
    public const int CompromisedTerminalDays = 28;
    public const int CompromisedCustomersPerDay = 3;
    public const int CompromisedCustomerDays = 14;
    public const int SecondsPerDay = 86_400;

    public const string Genuine = "genuine";
    public const string AmountOver220 = "amount_over_220";
    public const string CompromisedTerminal = "compromised_terminal";
    public const string CompromisedCustomer = "compromised_card";

    private readonly Random _random = new(seed);

    /// <summary>The transactions, in time order (ties in customer order).</summary>
    public List<SimulatedTransaction> Simulate()
    {
        var (homeX, homeY, meanAmount, dailyRate) = Customers();
        var (terminalX, terminalY) = Terminals();
        var nearby = NearbyTerminals(homeX, homeY, terminalX, terminalY);

        var rows = new List<SimulatedTransaction>();
        for (var c = 0; c < customers; c++)
        {
            for (var day = 0; day < days; day++)
            {
                var count = Poisson(dailyRate[c]);
                for (var k = 0; k < count; k++)
                {
                    var second = (long)Math.Round(Normal(SecondsPerDay / 2.0, 20_000));
                    if (second <= 0 || second >= SecondsPerDay)
                    {
                        continue;
                    }

                    var amount = Normal(meanAmount[c], meanAmount[c] / 2);
                    if (amount < 0)
                    {
                        amount = _random.NextDouble() * meanAmount[c] * 2;
                    }

                    if (nearby[c].Length == 0)
                    {
                        continue; // a customer with no terminal near home pays nowhere
                    }

                    var terminal = nearby[c][_random.Next(nearby[c].Length)];
                    rows.Add(new SimulatedTransaction(c, terminal, (day * (long)SecondsPerDay) + second, Math.Round(amount, 2), false, Genuine));
                }
            }
        }

        rows.Sort((a, b) => a.Seconds != b.Seconds ? a.Seconds.CompareTo(b.Seconds) : a.Customer.CompareTo(b.Customer));
        AmountScenario(rows);
        CompromisedTerminals(rows);
        CompromisedCustomers(rows);
        return rows;
    }

    private (double[] X, double[] Y, double[] MeanAmount, double[] DailyRate) Customers()
    {
        var x = new double[customers];
        var y = new double[customers];
        var mean = new double[customers];
        var rate = new double[customers];
        for (var c = 0; c < customers; c++)
        {
            x[c] = _random.NextDouble() * GridSize;
            y[c] = _random.NextDouble() * GridSize;
            mean[c] = 5 + (_random.NextDouble() * 95);
            rate[c] = _random.NextDouble() * 4;
        }

        return (x, y, mean, rate);
    }

    private (double[] X, double[] Y) Terminals()
    {
        var x = new double[terminals];
        var y = new double[terminals];
        for (var t = 0; t < terminals; t++)
        {
            x[t] = _random.NextDouble() * GridSize;
            y[t] = _random.NextDouble() * GridSize;
        }

        return (x, y);
    }

    private int[][] NearbyTerminals(double[] homeX, double[] homeY, double[] terminalX, double[] terminalY)
    {
        var nearby = new int[customers][];
        var list = new List<int>();
        for (var c = 0; c < customers; c++)
        {
            list.Clear();
            for (var t = 0; t < terminals; t++)
            {
                var dx = homeX[c] - terminalX[t];
                var dy = homeY[c] - terminalY[t];
                if ((dx * dx) + (dy * dy) < Radius * Radius)
                {
                    list.Add(t);
                }
            }

            nearby[c] = [.. list];
        }

        return nearby;
    }

    private static void AmountScenario(List<SimulatedTransaction> rows)
    {
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Amount > FraudAmount)
            {
                rows[i] = rows[i] with { IsFraud = true, Scenario = AmountOver220 };
            }
        }
    }

    private void CompromisedTerminals(List<SimulatedTransaction> rows)
    {
        // Until which day (exclusive) each terminal's transactions are fraud.
        var compromisedUntil = new int[terminals];
        var byDay = DayStarts(rows);
        for (var day = 0; day < days; day++)
        {
            foreach (var t in Sample(terminals, CompromisedTerminalsPerDay))
            {
                compromisedUntil[t] = Math.Max(compromisedUntil[t], day + CompromisedTerminalDays);
            }

            for (var i = byDay[day]; i < byDay[day + 1]; i++)
            {
                if (compromisedUntil[rows[i].Terminal] > day)
                {
                    rows[i] = rows[i] with { IsFraud = true, Scenario = CompromisedTerminal };
                }
            }
        }
    }

    private void CompromisedCustomers(List<SimulatedTransaction> rows)
    {
        // Each day's compromised customers: a third of their transactions over the next 14 days, drawn from those days' rows.
        var byCustomer = new List<int>[customers];
        for (var i = 0; i < rows.Count; i++)
        {
            (byCustomer[rows[i].Customer] ??= []).Add(i);
        }

        for (var day = 0; day < days; day++)
        {
            var from = day * (long)SecondsPerDay;
            var to = (day + CompromisedCustomerDays) * (long)SecondsPerDay;
            foreach (var c in Sample(customers, CompromisedCustomersPerDay))
            {
                var window = (byCustomer[c] ?? []).Where(i => rows[i].Seconds >= from && rows[i].Seconds < to).ToArray();
                foreach (var pick in Sample(window.Length, window.Length / 3))
                {
                    var i = window[pick];
                    rows[i] = rows[i] with { Amount = Math.Round(rows[i].Amount * 5, 2), IsFraud = true, Scenario = CompromisedCustomer };
                }
            }
        }
    }

    /// <summary>Index of each day's first row, and the row count at the end (rows sorted by time).</summary>
    private int[] DayStarts(List<SimulatedTransaction> rows)
    {
        var starts = new int[days + 1];
        var i = 0;
        for (var day = 0; day <= days; day++)
        {
            while (i < rows.Count && rows[i].Seconds < day * (long)SecondsPerDay)
            {
                i++;
            }

            starts[day] = i;
        }

        return starts;
    }

    /// <summary><paramref name="count"/> distinct indexes below <paramref name="n"/> (partial Fisher–Yates).</summary>
    private int[] Sample(int n, int count)
    {
        var pool = Enumerable.Range(0, n).ToArray();
        count = Math.Min(count, n);
        for (var k = 0; k < count; k++)
        {
            var j = k + _random.Next(n - k);
            (pool[k], pool[j]) = (pool[j], pool[k]);
        }

        return pool[..count];
    }

    private int Poisson(double mean)
    {
        // Knuth's method: the means here are at most 4.
        var limit = Math.Exp(-mean);
        var product = _random.NextDouble();
        var count = 0;
        while (product > limit)
        {
            count++;
            product *= _random.NextDouble();
        }

        return count;
    }

    private double Normal(double mean, double deviation)
    {
        // Box–Muller; 1 - NextDouble() is in (0, 1], so the logarithm is finite.
        var u1 = 1 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return mean + (deviation * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
