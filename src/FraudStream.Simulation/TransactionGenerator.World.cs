namespace FraudStream.Simulation;

/// <summary>The simulated world: cities, merchants and their terminals, card-holders, and the random draws they share.</summary>
public sealed partial class TransactionGenerator
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

    /// <summary>Physical merchants with terminals, per city (index into <see cref="s_cities"/>).</summary>
    private readonly Merchant[][] _physicalByCity;

    private Merchant NearbyMerchant(Card card, bool travelling)
    {
        if (travelling)
        {
            return _merchants[_random.Next(_merchants.Length)];
        }

        // A merchant in the card-holder's city, else (a city without shops) any physical merchant.
        var local = _physicalByCity[card.City];
        return local.Length > 0 ? local[_random.Next(local.Length)] : PickMerchant(m => !m.Online) ?? _merchants[0];
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
}
