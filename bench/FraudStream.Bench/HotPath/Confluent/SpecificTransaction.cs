using Avro;
using Avro.Specific;

// Apache.Avro's specific reader finds the class by the schema's full name, fraudstream.Transaction: hence this namespace.
#pragma warning disable IDE1006, CA1050, CA1716, CA1724
namespace fraudstream;

/// <summary>The ISpecificRecord avrogen would generate for schemas/transaction.avsc, written by hand (the fields Confluent's specific deserializer fills).</summary>
public sealed class Transaction : ISpecificRecord
{
    public static readonly Schema _SCHEMA = Schema.Parse(FraudStream.Avro.EmbeddedSchemas.ReadText("transaction.avsc"));

    public string transaction_id { get; set; } = "";
    public string card_id { get; set; } = "";
    public DateTime event_time { get; set; }
    public double amount { get; set; }
    public string currency { get; set; } = "";
    public string merchant_id { get; set; } = "";
    public string merchant_category { get; set; } = "";
    public Channel channel { get; set; }
    public bool card_present { get; set; }
    public string? terminal_id { get; set; }
    public string? merchant_country { get; set; }
    public double? merchant_latitude { get; set; }
    public double? merchant_longitude { get; set; }
    public double? cardholder_latitude { get; set; }
    public double? cardholder_longitude { get; set; }

    public Schema Schema => _SCHEMA;

    public object? Get(int fieldPos) => fieldPos switch
    {
        0 => transaction_id, 1 => card_id, 2 => event_time, 3 => amount, 4 => currency, 5 => merchant_id, 6 => merchant_category,
        7 => channel, 8 => card_present, 9 => terminal_id, 10 => merchant_country, 11 => merchant_latitude, 12 => merchant_longitude,
        13 => cardholder_latitude, 14 => cardholder_longitude,
        _ => throw new AvroRuntimeException($"Bad index {fieldPos} in Get()"),
    };

    public void Put(int fieldPos, object fieldValue)
    {
        switch (fieldPos)
        {
            case 0: transaction_id = (string)fieldValue; break;
            case 1: card_id = (string)fieldValue; break;
            case 2: event_time = (DateTime)fieldValue; break;
            case 3: amount = (double)fieldValue; break;
            case 4: currency = (string)fieldValue; break;
            case 5: merchant_id = (string)fieldValue; break;
            case 6: merchant_category = (string)fieldValue; break;
            case 7: channel = (Channel)fieldValue; break;
            case 8: card_present = (bool)fieldValue; break;
            case 9: terminal_id = (string?)fieldValue; break;
            case 10: merchant_country = (string?)fieldValue; break;
            case 11: merchant_latitude = (double?)fieldValue; break;
            case 12: merchant_longitude = (double?)fieldValue; break;
            case 13: cardholder_latitude = (double?)fieldValue; break;
            case 14: cardholder_longitude = (double?)fieldValue; break;
            default: throw new AvroRuntimeException($"Bad index {fieldPos} in Put()");
        }
    }
}

/// <summary>The channel enum of schemas/transaction.avsc, as avrogen names it.</summary>
public enum Channel
{
    POS,
    ECOMMERCE,
    ATM,
    CONTACTLESS,
    UNKNOWN,
}
