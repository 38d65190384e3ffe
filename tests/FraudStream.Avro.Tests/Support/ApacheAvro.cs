using ApacheEnumSchema = Avro.EnumSchema;
using ApacheRecordSchema = Avro.RecordSchema;
using ApacheSchema = Avro.Schema;
using Avro.Generic;
using Avro.IO;
using FraudStream.Core.Transactions;

namespace FraudStream.Avro.Tests.Support;

/// <summary>Apache.Avro, the reference implementation in-process: generic records for transactions, its writer and its resolving reader.</summary>
internal static class ApacheAvro
{
    /// <summary>
    /// The schema as Apache.Avro reads it, with event_time a plain long: Apache.Avro converts timestamp-millis through a double
    /// and is a millisecond off near the year 9999 (a limit of the reference, not of the encoding), so its records carry the
    /// milliseconds on the wire as they are.
    /// </summary>
    public static ApacheRecordSchema Parse(string schema) => (ApacheRecordSchema)ApacheSchema.Parse(WithoutLogicalTypes(schema));

    /// <summary>A schema file of schemas/ as Apache.Avro reads it (timestamps as plain longs, see <see cref="Parse"/>).</summary>
    public static ApacheRecordSchema ParseFile(string fileName) => Parse(EmbeddedSchemas.ReadText(fileName));

    /// <summary>The schema text with timestamp-millis longs as plain longs (the same binary encoding).</summary>
    public static string WithoutLogicalTypes(string schema) =>
        schema.Replace("""{"type": "long", "logicalType": "timestamp-millis"}""", "\"long\"", StringComparison.Ordinal);

    /// <summary>The transaction as Apache.Avro's generic record of <paramref name="schema"/> (a version of schemas/transaction.avsc).</summary>
    public static GenericRecord ToGeneric(ApacheRecordSchema schema, Transaction t)
    {
        var record = new GenericRecord(schema);
        void Set(string field, object? value)
        {
            // A version of the schema may lack a field: its records lack it too.
            if (schema.TryGetField(field, out _))
            {
                record.Add(field, value);
            }
        }

        Set("transaction_id", t.TransactionId);
        Set("card_id", t.CardId);
        Set("event_time", t.EventTime.ToUnixTimeMilliseconds());
        Set("amount", t.Amount);
        Set("currency", t.Currency);
        Set("merchant_id", t.MerchantId);
        Set("merchant_category", t.MerchantCategory);
        Set("channel", new GenericEnum((ApacheEnumSchema)schema["channel"].Schema, t.Channel.ToString().ToUpperInvariant()));
        Set("card_present", t.CardPresent!.Value);
        Set("terminal_id", t.TerminalId);
        Set("merchant_country", t.MerchantCountry);
        Set("merchant_latitude", t.MerchantLatitude);
        Set("merchant_longitude", t.MerchantLongitude);
        Set("cardholder_latitude", t.CardholderLatitude);
        Set("cardholder_longitude", t.CardholderLongitude);
        return record;
    }

    /// <summary>The transaction an Apache.Avro generic record of schemas/transaction.avsc holds.</summary>
    public static Transaction FromGeneric(GenericRecord r) => new(
        (string)r["transaction_id"],
        (string)r["card_id"],
        DateTimeOffset.FromUnixTimeMilliseconds((long)r["event_time"]),
        (double)r["amount"],
        (string)r["currency"],
        (string)r["merchant_id"],
        (string)r["merchant_category"],
        Enum.Parse<Channel>(((GenericEnum)r["channel"]).Value, ignoreCase: true),
        (bool)r["card_present"],
        (string?)r["terminal_id"],
        (string?)r["merchant_country"],
        (double?)r["merchant_latitude"],
        (double?)r["merchant_longitude"],
        (double?)r["cardholder_latitude"],
        (double?)r["cardholder_longitude"]);

    /// <summary>Apache.Avro's binary encoding of <paramref name="record"/> (no framing).</summary>
    public static byte[] Write(GenericRecord record)
    {
        using var stream = new MemoryStream();
        new GenericDatumWriter<GenericRecord>(record.Schema).Write(record, new BinaryEncoder(stream));
        return stream.ToArray();
    }

    /// <summary>Apache.Avro's reading of <paramref name="body"/> with the schema it was written with.</summary>
    public static GenericRecord Read(byte[] body, ApacheSchema schema) => Read(body, schema, schema);

    /// <summary>Apache.Avro's reading of <paramref name="body"/>, written with <paramref name="writer"/>, as <paramref name="reader"/> (its schema resolution).</summary>
    public static GenericRecord Read(byte[] body, ApacheSchema writer, ApacheSchema reader) =>
        new GenericDatumReader<GenericRecord>(writer, reader).Read(null!, new BinaryDecoder(new MemoryStream(body)));
}
