using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FraudStream.Core.Transactions;

namespace FraudStream.Avro.Tests.Support;

/// <summary>Transactions that exercise the encoding's corners, and their JSON form for the Python reference.</summary>
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

    public static string ToJson(Transaction t)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("transaction_id", t.TransactionId);
            w.WriteString("card_id", t.CardId);
            w.WriteNumber("event_time", t.EventTime.ToUnixTimeMilliseconds());
            w.WriteNumber("amount", t.Amount);
            w.WriteString("currency", t.Currency);
            w.WriteString("merchant_id", t.MerchantId);
            w.WriteString("merchant_category", t.MerchantCategory);
            w.WriteString("channel", t.Channel.ToString().ToUpperInvariant());
            w.WriteBoolean("card_present", t.CardPresent!.Value);
            WriteOptional(w, "terminal_id", t.TerminalId);
            WriteOptional(w, "merchant_country", t.MerchantCountry);
            WriteOptional(w, "merchant_latitude", t.MerchantLatitude);
            WriteOptional(w, "merchant_longitude", t.MerchantLongitude);
            WriteOptional(w, "cardholder_latitude", t.CardholderLatitude);
            WriteOptional(w, "cardholder_longitude", t.CardholderLongitude);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static Transaction FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var e = document.RootElement;
        return new Transaction(
            e.GetProperty("transaction_id").GetString()!,
            e.GetProperty("card_id").GetString()!,
            DateTimeOffset.FromUnixTimeMilliseconds(e.GetProperty("event_time").GetInt64()),
            e.GetProperty("amount").GetDouble(),
            e.GetProperty("currency").GetString()!,
            e.GetProperty("merchant_id").GetString()!,
            e.GetProperty("merchant_category").GetString()!,
            Enum.Parse<Channel>(e.GetProperty("channel").GetString()!, ignoreCase: true),
            e.GetProperty("card_present").GetBoolean(),
            e.GetProperty("terminal_id").GetString(),
            e.GetProperty("merchant_country").GetString(),
            OptionalDouble(e.GetProperty("merchant_latitude")),
            OptionalDouble(e.GetProperty("merchant_longitude")),
            OptionalDouble(e.GetProperty("cardholder_latitude")),
            OptionalDouble(e.GetProperty("cardholder_longitude")));
    }

    private static double? OptionalDouble(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetDouble();

    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            // "R" keeps -0.0 and subnormals exact; System.Text.Json's own formatting is also round-trip, this is explicit.
            w.WritePropertyName(name);
            // A trailing ".0" keeps Python from reading "-0" as the integer 0.
            var text = v.ToString("R", CultureInfo.InvariantCulture);
            w.WriteRawValue(text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0");
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
