using System.Globalization;
using System.Text.Json;
using FraudStream.Core.Transactions;

namespace FraudStream.Bench.Predict;

/// <summary>/predict's JSON (the snake_case fields of schemas/transaction.avsc), written once per benchmark.</summary>
internal static class PredictRequests
{
    public static byte[] Transaction(Transaction t)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, t);
        }

        return buffer.ToArray();
    }

    public static byte[] Batch(IEnumerable<Transaction> transactions)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("transactions");
            foreach (var t in transactions)
            {
                Write(writer, t);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void Write(Utf8JsonWriter w, Transaction t)
    {
        w.WriteStartObject();
        w.WriteString("transaction_id", t.TransactionId);
        w.WriteString("card_id", t.CardId);
        w.WriteString("event_time", t.EventTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        w.WriteNumber("amount", t.Amount);
        w.WriteString("currency", t.Currency);
        w.WriteString("merchant_id", t.MerchantId);
        w.WriteString("merchant_category", t.MerchantCategory);
        w.WriteString("channel", t.Channel.ToString().ToUpperInvariant());
        w.WriteBoolean("card_present", t.CardPresent!.Value);
        Optional(w, "terminal_id", t.TerminalId);
        Optional(w, "merchant_country", t.MerchantCountry);
        Optional(w, "merchant_latitude", t.MerchantLatitude);
        Optional(w, "merchant_longitude", t.MerchantLongitude);
        Optional(w, "cardholder_latitude", t.CardholderLatitude);
        Optional(w, "cardholder_longitude", t.CardholderLongitude);
        w.WriteEndObject();
    }

    private static void Optional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private static void Optional(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
    }
}
