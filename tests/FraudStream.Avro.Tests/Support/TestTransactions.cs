using FraudStream.Core.Transactions;

namespace FraudStream.Avro.Tests.Support;

/// <summary>Transactions that exercise the encoding's corners.</summary>
internal static class TestTransactions
{
    public static Transaction Typical() => new(
        "0c6f3d1e-8a44-4c55-9b1a-3f0e2d9c7b61", "card-000042", DateTimeOffset.FromUnixTimeMilliseconds(1_763_700_000_123),
        42.5, "EUR", "merchant-7781", "5411", Channel.Pos, true, "T-0091", "DE", 52.52, 13.405, 52.5, 13.4);

    public static IReadOnlyList<Transaction> Corners() =>
    [
        Typical(),
        new("tx-all-null", "card-1", DateTimeOffset.FromUnixTimeMilliseconds(0), 0.0, "USD", "m", "0000", Channel.Unknown, false),
        new("tx-unicode-ü€😀", "card-ß", DateTimeOffset.FromUnixTimeMilliseconds(-1), 0.01, "JPY", "Café «Zürich» 東京", "5812", Channel.Contactless, true, "Términal-ñ", "CH"),
        new("tx-extremes", "card-max", DateTimeOffset.FromUnixTimeMilliseconds(253_402_300_799_999), double.MaxValue, "XAU", "m-max", "9999", Channel.Ecommerce, false, "", null, -90.0, -180.0, 90.0, 180.0),
        new("tx-tiny", "card-min", DateTimeOffset.FromUnixTimeMilliseconds(-62_135_596_800_000), double.Epsilon, "GBP", new string('m', 300), "6011", Channel.Atm, true, null, "GB", 1e-300, -0.0, null, 5e-324),
    ];
}
