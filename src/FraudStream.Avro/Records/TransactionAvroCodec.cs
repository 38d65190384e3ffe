using System.Buffers;
using FraudStream.Core.Transactions;

namespace FraudStream.Avro;

/// <summary>
/// <see cref="Transaction"/> ↔ Avro binary for schemas/transaction.avsc. Decoding accepts any compatible writer schema
/// (resolution compiled once per writer schema), validates the values, and allocates only the record and its strings.
/// Thread-safe.
/// </summary>
public sealed class TransactionAvroCodec
{
    private const int TransactionId = 0;
    private const int CardId = 1;
    private const int EventTime = 2;
    private const int Amount = 3;
    private const int Currency = 4;
    private const int MerchantId = 5;
    private const int MerchantCategory = 6;
    private const int ChannelField = 7;
    private const int CardPresent = 8;
    private const int TerminalId = 9;
    private const int MerchantCountry = 10;
    private const int MerchantLatitude = 11;
    private const int MerchantLongitude = 12;
    private const int CardholderLatitude = 13;
    private const int CardholderLongitude = 14;
    private const long MinUnixMillis = -62_135_596_800_000L;
    private const long MaxUnixMillis = 253_402_300_799_999L;

    private static readonly string[] FieldOrder =
    [
        "transaction_id", "card_id", "event_time", "amount", "currency", "merchant_id", "merchant_category", "channel",
        "card_present", "terminal_id", "merchant_country", "merchant_latitude", "merchant_longitude",
        "cardholder_latitude", "cardholder_longitude",
    ];

    private readonly PlanCache<Plan> _plans = new(Schema, BuildPlan);
    private readonly Utf8StringCache _shortStrings = new();

    /// <summary>The reader schema: schemas/transaction.avsc.</summary>
    public static RecordSchema Schema => EmbeddedSchemas.Transaction;

    // Reader enum index → domain channel, by symbol name, so reordering either side cannot silently swap channels.
    private static readonly Channel[] ChannelBySymbol = BuildChannelMap(out SymbolByChannel);
    private static readonly int[] SymbolByChannel;

    /// <summary>Encodes with schemas/transaction.avsc.</summary>
    public void Encode(Transaction transaction, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (Validate(transaction) is { } problem)
        {
            throw new ArgumentException($"Transaction '{transaction.TransactionId}' cannot be encoded: {problem.Message}", nameof(transaction));
        }

        if (transaction.CardPresent is not { } cardPresent)
        {
            // Only a CSV row can leave it out; the topic's schema has no missing value for it.
            throw new ArgumentException(
                $"Transaction '{transaction.TransactionId}' cannot be encoded: card_present is missing, and schemas/transaction.avsc requires true or false.",
                nameof(transaction));
        }

        var w = new AvroWriter(output);
        w.WriteString(transaction.TransactionId);
        w.WriteString(transaction.CardId);
        w.WriteLong(transaction.EventTime.ToUnixTimeMilliseconds());
        w.WriteDouble(transaction.Amount);
        w.WriteString(transaction.Currency);
        w.WriteString(transaction.MerchantId);
        w.WriteString(transaction.MerchantCategory);
        w.WriteEnumIndex(SymbolByChannel[(int)transaction.Channel]);
        w.WriteBoolean(cardPresent);
        WriteOptional(ref w, transaction.TerminalId);
        WriteOptional(ref w, transaction.MerchantCountry);
        WriteOptional(ref w, transaction.MerchantLatitude);
        WriteOptional(ref w, transaction.MerchantLongitude);
        WriteOptional(ref w, transaction.CardholderLatitude);
        WriteOptional(ref w, transaction.CardholderLongitude);
    }

    /// <summary>Encodes with schemas/transaction.avsc into a new array.</summary>
    public byte[] Encode(Transaction transaction)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        Encode(transaction, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a body written with schemas/transaction.avsc itself.</summary>
    public Transaction Decode(ReadOnlySpan<byte> body) => Decode(body, _plans.Own);

    /// <summary>Decodes a body written with <paramref name="writerSchema"/> (e.g. the registry's schema for the message's id).</summary>
    /// <exception cref="AvroDecodingException">The bytes, the schema pair or a value is bad; <see cref="AvroDecodingException.Reason"/> says which.</exception>
    public Transaction Decode(ReadOnlySpan<byte> body, AvroSchema writerSchema) => Decode(body, _plans.For(writerSchema));

    private Transaction Decode(ReadOnlySpan<byte> body, Plan plan)
    {
        if (plan.Failure is { } failure)
        {
            throw new AvroDecodingException(failure.Reason, failure.Message);
        }

        var reader = new AvroReader(body);
        var fields = plan.Defaults;
        foreach (var step in plan.Steps)
        {
            if (step.ReaderPosition < 0)
            {
                step.Resolver.Skip(ref reader);
            }
            else
            {
                ReadField(ref reader, step.ReaderPosition, step.Resolver, ref fields);
            }
        }

        reader.EnsureEnd();
        if (fields.EventTimeMillis is < MinUnixMillis or > MaxUnixMillis)
        {
            throw new AvroDecodingException(DecodeFailure.InvalidValue, $"Transaction '{fields.TransactionId}' is invalid: event_time {fields.EventTimeMillis} ms is outside years 1-9999");
        }

        var transaction = new Transaction(
            fields.TransactionId!,
            fields.CardId!,
            DateTimeOffset.FromUnixTimeMilliseconds(fields.EventTimeMillis),
            fields.Amount,
            fields.Currency!,
            fields.MerchantId!,
            fields.MerchantCategory!,
            fields.Channel,
            fields.CardPresent,
            fields.TerminalId,
            fields.MerchantCountry,
            fields.MerchantLatitude,
            fields.MerchantLongitude,
            fields.CardholderLatitude,
            fields.CardholderLongitude);
        if (Validate(transaction) is { } problem)
        {
            throw new AvroDecodingException(problem.Reason, $"Transaction '{transaction.TransactionId}' is invalid: {problem.Message}");
        }

        return transaction;
    }

    private void ReadField(ref AvroReader r, int position, ValueResolver resolver, ref Fields f)
    {
        switch (position)
        {
            case TransactionId:
                f.TransactionId = resolver.ReadString(ref r);
                break;
            case CardId:
                f.CardId = resolver.ReadString(ref r);
                break;
            case EventTime:
                f.EventTimeMillis = resolver.ReadLong(ref r);
                break;
            case Amount:
                f.Amount = resolver.ReadDouble(ref r);
                break;
            case Currency:
                f.Currency = _shortStrings.Get(resolver.ReadUtf8(ref r));
                break;
            case MerchantId:
                f.MerchantId = resolver.ReadString(ref r);
                break;
            case MerchantCategory:
                f.MerchantCategory = _shortStrings.Get(resolver.ReadUtf8(ref r));
                break;
            case ChannelField:
                f.Channel = ChannelBySymbol[resolver.ReadEnum(ref r)];
                break;
            case CardPresent:
                f.CardPresent = resolver.ReadBoolean(ref r);
                break;
            case TerminalId:
                f.TerminalId = OptionalString(ref r, resolver, intern: false);
                break;
            case MerchantCountry:
                f.MerchantCountry = OptionalString(ref r, resolver, intern: true);
                break;
            case MerchantLatitude:
                f.MerchantLatitude = OptionalDouble(ref r, resolver);
                break;
            case MerchantLongitude:
                f.MerchantLongitude = OptionalDouble(ref r, resolver);
                break;
            case CardholderLatitude:
                f.CardholderLatitude = OptionalDouble(ref r, resolver);
                break;
            case CardholderLongitude:
                f.CardholderLongitude = OptionalDouble(ref r, resolver);
                break;
        }
    }

    // The reader's optional fields are ["null", T]: branch 0 is null.
    private string? OptionalString(ref AvroReader r, ValueResolver resolver, bool intern)
    {
        var inner = resolver.ReadUnionBranch(ref r, out var branch);
        if (branch == 0)
        {
            return null;
        }

        return intern ? _shortStrings.Get(inner.ReadUtf8(ref r)) : inner.ReadString(ref r);
    }

    private static double? OptionalDouble(ref AvroReader r, ValueResolver resolver)
    {
        var inner = resolver.ReadUnionBranch(ref r, out var branch);
        return branch == 0 ? null : inner.ReadDouble(ref r);
    }

    private static (DecodeFailure Reason, string Message)? Validate(Transaction t)
    {
        if (string.IsNullOrEmpty(t.TransactionId))
        {
            return (DecodeFailure.MissingRequiredField, "transaction_id is empty");
        }

        if (string.IsNullOrEmpty(t.CardId))
        {
            return (DecodeFailure.MissingRequiredField, "card_id is empty");
        }

        if (HasControlCharacter(t.CardId))
        {
            // The card history changelog's keys end in a control byte and a number for a day or a delta: a card id that
            // held one could read back as another card's record.
            return (DecodeFailure.InvalidValue, "card_id contains a control character (U+0000 to U+001F)");
        }

        if (!double.IsFinite(t.Amount) || t.Amount < 0)
        {
            return (DecodeFailure.InvalidValue, $"amount must be finite and >= 0, not {t.Amount}");
        }

        if (!InRange(t.MerchantLatitude, 90) || !InRange(t.CardholderLatitude, 90))
        {
            return (DecodeFailure.InvalidValue, "a latitude is not a finite number within [-90, 90]");
        }

        if (!InRange(t.MerchantLongitude, 180) || !InRange(t.CardholderLongitude, 180))
        {
            return (DecodeFailure.InvalidValue, "a longitude is not a finite number within [-180, 180]");
        }

        return null;
    }

    /// <summary>Whether <paramref name="value"/> holds a character from U+0000 to U+001F (a plain loop: ids are short, and it allocates nothing).</summary>
    private static bool HasControlCharacter(string value)
    {
        foreach (var c in value)
        {
            if (c < '\u0020')
            {
                return true;
            }
        }

        return false;
    }

    private static bool InRange(double? value, double limit) => value is not { } v || (double.IsFinite(v) && Math.Abs(v) <= limit);

    private static void WriteOptional(ref AvroWriter w, string? value)
    {
        if (value is null)
        {
            w.WriteUnionIndex(0);
            return;
        }

        w.WriteUnionIndex(1);
        w.WriteString(value);
    }

    private static void WriteOptional(ref AvroWriter w, double? value)
    {
        if (value is not { } v)
        {
            w.WriteUnionIndex(0);
            return;
        }

        w.WriteUnionIndex(1);
        w.WriteDouble(v);
    }

    private static Channel[] BuildChannelMap(out int[] symbolByChannel)
    {
        var symbols = ((EnumSchema)Schema.Fields[ChannelField].Schema).Symbols;
        var bySymbol = new Channel[symbols.Count];
        symbolByChannel = new int[Enum.GetValues<Channel>().Max(c => (int)c) + 1];
        for (var i = 0; i < symbols.Count; i++)
        {
            bySymbol[i] = Enum.Parse<Channel>(symbols[i], ignoreCase: true);
            symbolByChannel[(int)bySymbol[i]] = i;
        }

        return bySymbol;
    }

    private static Plan BuildPlan(AvroSchema writerSchema)
    {
        RecordPlans.CheckFieldOrder(Schema, FieldOrder, "transaction.avsc", nameof(TransactionAvroCodec));
        if (RecordPlans.Compile(writerSchema, Schema, nameof(Transaction), out var failure) is not { } root)
        {
            return new Plan([], default, failure);
        }

        var defaults = default(Fields);
        defaults.Channel = Channel.Unknown;
        foreach (var d in root.Defaults)
        {
            switch (d.ReaderPosition)
            {
                case ChannelField when d.Value is string symbol:
                    defaults.Channel = Enum.Parse<Channel>(symbol, ignoreCase: true);
                    break;
                case TerminalId:
                    defaults.TerminalId = d.Value as string;
                    break;
                case MerchantCountry:
                    defaults.MerchantCountry = d.Value as string;
                    break;
                case MerchantLatitude:
                    defaults.MerchantLatitude = d.Value as double?;
                    break;
                case MerchantLongitude:
                    defaults.MerchantLongitude = d.Value as double?;
                    break;
                case CardholderLatitude:
                    defaults.CardholderLatitude = d.Value as double?;
                    break;
                case CardholderLongitude:
                    defaults.CardholderLongitude = d.Value as double?;
                    break;
            }
        }

        return new Plan(root.Steps, defaults, null);
    }

    private sealed record Plan(FieldStep[] Steps, Fields Defaults, (DecodeFailure Reason, string Message)? Failure);

    private struct Fields
    {
        public string? TransactionId;
        public string? CardId;
        public long EventTimeMillis;
        public double Amount;
        public string? Currency;
        public string? MerchantId;
        public string? MerchantCategory;
        public Channel Channel;
        public bool CardPresent;
        public string? TerminalId;
        public string? MerchantCountry;
        public double? MerchantLatitude;
        public double? MerchantLongitude;
        public double? CardholderLatitude;
        public double? CardholderLongitude;
    }
}
