using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using FraudStream.Core.Transactions;
using Microsoft.AspNetCore.Http;

namespace FraudStream.Api;

/// <summary>
/// What is wrong with a request body, by field: a malformed body (not JSON, wrong types) is a 400, a well-formed body
/// with values that cannot be a transaction is a 422.
/// </summary>
internal sealed class RequestErrors
{
    private readonly Dictionary<string, List<string>> _errors = [];

    /// <summary>Whether anything is wrong.</summary>
    public bool Any => _errors.Count > 0;

    /// <summary>Whether the body is malformed (rather than well-formed with bad values).</summary>
    public bool IsMalformed { get; private set; }

    /// <summary>400 for a malformed body, 422 for bad values.</summary>
    public int StatusCode => IsMalformed ? StatusCodes.Status400BadRequest : StatusCodes.Status422UnprocessableEntity;

    /// <summary>The errors as problem details want them.</summary>
    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    /// <summary>A field of the wrong type, a duplicate field or a body that is not JSON.</summary>
    public void Malformed(string field, string message)
    {
        IsMalformed = true;
        Add(field, message);
    }

    /// <summary>A well-typed field whose value cannot be.</summary>
    public void Invalid(string field, string message) => Add(field, message);

    private void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            // Enough to fix a request by; a hostile batch cannot grow the answer without bound.
            if (_errors.Count >= 100)
            {
                return;
            }

            _errors[field] = messages = [];
        }

        messages.Add(message);
    }
}

/// <summary>
/// Reads transactions from /predict's JSON (the snake_case fields of schemas/transaction.avsc) by hand, so every
/// malformed or invalid body gets an answer naming the field, and no input reaches the model unchecked.
/// </summary>
internal static class TransactionJson
{
    /// <summary>JSON nesting deeper than this is refused as malformed (a transaction is two levels deep).</summary>
    public const int MaxDepth = 16;

    private const int MaxIdLength = 256;
    private const double MaxAmount = 1e12;

    // A repeated name is refused wherever it stands: a parser that keeps the last value would see another transaction.
    private static readonly JsonDocumentOptions s_documentOptions = new() { MaxDepth = MaxDepth, AllowDuplicateProperties = false };

    private static readonly Dictionary<string, Channel> s_channels = new(StringComparer.Ordinal)
    {
        ["POS"] = Channel.Pos,
        ["ECOMMERCE"] = Channel.Ecommerce,
        ["ATM"] = Channel.Atm,
        ["CONTACTLESS"] = Channel.Contactless,
        ["UNKNOWN"] = Channel.Unknown,
    };

    // The fields Read looks for: its FieldReader finds a field's slot by the name it asks for.
    private static readonly string[] s_fieldNames =
    [
        "transaction_id", "card_id", "event_time", "amount", "currency", "merchant_id", "merchant_category", "channel", "card_present",
        "terminal_id", "merchant_country", "merchant_latitude", "merchant_longitude", "cardholder_latitude", "cardholder_longitude",
    ];

    private static readonly byte[][] s_utf8FieldNames = [.. s_fieldNames.Select(System.Text.Encoding.UTF8.GetBytes)];

    /// <summary>Parses a body; null (with the reason in <paramref name="errors"/>) when it is not JSON.</summary>
    public static JsonDocument? Parse(ReadOnlyMemory<byte> body, RequestErrors errors)
    {
        // JSON text is UTF-8 (RFC 8259); checked once here, so no string read later can fail to transcode.
        if (!Utf8.IsValid(body.Span))
        {
            errors.Malformed("body", "is not valid UTF-8 text.");
            return null;
        }

        try
        {
            return JsonDocument.Parse(body, s_documentOptions);
        }
        catch (JsonException e)
        {
            errors.Malformed("body", $"is not valid JSON: {e.Message}");
            return null;
        }
        catch (InvalidOperationException)
        {
            // The check for repeated names unescapes every name: an escaped lone surrogate ("\ud800") is valid JSON but no text.
            errors.Malformed("body", "has a field name that is not valid Unicode text.");
            return null;
        }
    }

    /// <summary>Reads one transaction; null when something is wrong (recorded in <paramref name="errors"/> under <paramref name="prefix"/>).</summary>
    public static Transaction? Read(JsonElement element, string prefix, RequestErrors errors)
    {
        var where = prefix.Length == 0 ? "body" : prefix.TrimEnd('.');
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Malformed(where, $"must be a JSON object with the transaction's fields, not {Describe(element.ValueKind)}.");
            return null;
        }

        // Each known field's value in its slot, matched on the UTF-8 name without making a string of it.
        var fields = new JsonElement?[s_fieldNames.Length];
        var expected = 0;
        try
        {
            foreach (var property in element.EnumerateObject())
            {
                if (KnownField(property, ref expected) is { } known)
                {
                    // Parse refused repeated names already.
                    fields[known] = property.Value;
                }
                else
                {
                    // Unknown fields are ignored, but the name must be text as before.
                    _ = property.Name;
                }
            }
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate ("\ud800") in a field name is valid JSON but no text.
            errors.Malformed(where, "has a field name that is not valid Unicode text.");
            return null;
        }

        var reader = new FieldReader(fields, prefix, errors);
        var transactionId = reader.Id("transaction_id", required: true);
        var cardId = reader.Id("card_id", required: true);
        var eventTime = reader.Time("event_time");
        var amount = reader.Amount("amount");
        var currency = reader.Code("currency", required: true, length: 3, char.IsAsciiLetterUpper, "must be an ISO 4217 code: three upper-case letters, e.g. EUR.");
        var merchantId = reader.Id("merchant_id", required: true);
        var category = reader.Code("merchant_category", required: true, length: 4, char.IsAsciiDigit, "must be an ISO 18245 merchant category code: four digits, e.g. 5411.");
        var channel = reader.Channel("channel");
        var cardPresent = reader.Boolean("card_present");
        var terminalId = reader.Id("terminal_id", required: false);
        var country = reader.Code("merchant_country", required: false, length: 2, char.IsAsciiLetterUpper, "must be an ISO 3166-1 alpha-2 code: two upper-case letters, e.g. DE.");
        var merchantLatitude = reader.Coordinate("merchant_latitude", 90);
        var merchantLongitude = reader.Coordinate("merchant_longitude", 180);
        var cardholderLatitude = reader.Coordinate("cardholder_latitude", 90);
        var cardholderLongitude = reader.Coordinate("cardholder_longitude", 180);
        if (!reader.Ok)
        {
            return null;
        }

        return new Transaction(
            transactionId!, cardId!, eventTime!.Value, amount!.Value, currency!, merchantId!, category!, channel!.Value, cardPresent!.Value,
            terminalId, country, merchantLatitude, merchantLongitude, cardholderLatitude, cardholderLongitude);
    }

    /// <summary>
    /// A transaction as /predict's JSON: the reverse of <see cref="Read"/> (the demo's example request; tests' requests).
    /// The event time keeps every digit it has, so reading it back gives the same transaction.
    /// </summary>
    public static JsonObject Write(Transaction t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var json = new JsonObject
        {
            ["transaction_id"] = t.TransactionId,
            ["card_id"] = t.CardId,
            ["event_time"] = t.EventTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
            ["amount"] = t.Amount,
            ["currency"] = t.Currency,
            ["merchant_id"] = t.MerchantId,
            ["merchant_category"] = t.MerchantCategory,
            ["channel"] = LabelledTransactionCsv.ChannelName(t.Channel),
            ["card_present"] = t.CardPresent,
        };
        if (t.TerminalId is not null)
        {
            json["terminal_id"] = t.TerminalId;
        }

        if (t.MerchantCountry is not null)
        {
            json["merchant_country"] = t.MerchantCountry;
        }

        json["merchant_latitude"] = t.MerchantLatitude;
        json["merchant_longitude"] = t.MerchantLongitude;
        json["cardholder_latitude"] = t.CardholderLatitude;
        json["cardholder_longitude"] = t.CardholderLongitude;
        return json;
    }

    /// <summary>
    /// The slot of <paramref name="property"/> in <see cref="s_fieldNames"/>, or null for a field Read does not know.
    /// Clients send the fields in the schema's order, so the search starts at the slot after the last one found
    /// (<paramref name="expected"/>) and usually ends there.
    /// </summary>
    private static int? KnownField(JsonProperty property, ref int expected)
    {
        for (var tried = 0; tried < s_utf8FieldNames.Length; tried++)
        {
            var slot = (expected + tried) % s_utf8FieldNames.Length;
            if (property.NameEquals(s_utf8FieldNames[slot]))
            {
                expected = slot + 1;
                return slot;
            }
        }

        return null;
    }

    /// <summary>"an array", "a number", ... for messages.</summary>
    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>Reads the fields of one object, recording every problem (not only the first).</summary>
    private sealed class FieldReader(JsonElement?[] fields, string prefix, RequestErrors errors)
    {
        public bool Ok { get; private set; } = true;

        public string? Id(string name, bool required)
        {
            if (Text(name, required) is not { } value)
            {
                return null;
            }

            if (string.IsNullOrWhiteSpace(value))
            {
                return Invalid(name, "must not be empty.");
            }

            return value.Length > MaxIdLength ? Invalid(name, $"must be at most {MaxIdLength} characters long.") : value;
        }

        public string? Code(string name, bool required, int length, Func<char, bool> allowed, string rule)
        {
            if (Text(name, required) is not { } value)
            {
                return null;
            }

            return value.Length == length && AllAre(value, allowed) ? value : Invalid(name, rule);
        }

        public DateTimeOffset? Time(string name)
        {
            if (Text(name, required: true) is not { } value)
            {
                return null;
            }

            if (EventTime.TryParse(value, out var time))
            {
                return time;
            }

            Invalid(name, $"must {EventTime.Rule}.");
            return null;
        }

        public double? Amount(string name)
        {
            if (Number(name, required: true) is not { } element)
            {
                return null;
            }

            if (!element.TryGetDouble(out var amount) || !double.IsFinite(amount) || amount < 0)
            {
                Invalid(name, "must be finite and >= 0.");
                return null;
            }

            if (amount > MaxAmount)
            {
                Invalid(name, $"must be at most {MaxAmount.ToString("0", CultureInfo.InvariantCulture)}.");
                return null;
            }

            return amount;
        }

        public double? Coordinate(string name, double limit)
        {
            if (Number(name, required: false) is not { } element)
            {
                return null;
            }

            if (element.TryGetDouble(out var value) && double.IsFinite(value) && Math.Abs(value) <= limit)
            {
                return value;
            }

            Invalid(name, $"must be a number from -{limit} to {limit}.");
            return null;
        }

        public Channel? Channel(string name)
        {
            if (Text(name, required: true) is not { } value)
            {
                return null;
            }

            if (s_channels.TryGetValue(value, out var channel))
            {
                return channel;
            }

            Invalid(name, "must be one of POS, ECOMMERCE, ATM, CONTACTLESS, UNKNOWN.");
            return null;
        }

        public bool? Boolean(string name)
        {
            if (Field(name) is not { } element)
            {
                Invalid(name, "is required.");
                return null;
            }

            if (element.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                return element.GetBoolean();
            }

            Malformed(name, $"must be true or false, not {Describe(element.ValueKind)}.");
            return null;
        }

        private string? Text(string name, bool required)
        {
            if (Field(name) is not { } element || (!required && element.ValueKind == JsonValueKind.Null))
            {
                return required ? Invalid(name, "is required.") : null;
            }

            if (element.ValueKind != JsonValueKind.String)
            {
                return Malformed(name, $"must be a string, not {Describe(element.ValueKind)}.");
            }

            try
            {
                return element.GetString();
            }
            catch (InvalidOperationException)
            {
                // An escaped lone surrogate ("\ud800") is valid JSON but no text.
                return Malformed(name, "is not valid Unicode text.");
            }
        }

        private JsonElement? Number(string name, bool required)
        {
            if (Field(name) is not { } element || (!required && element.ValueKind == JsonValueKind.Null))
            {
                if (required)
                {
                    Invalid(name, "is required.");
                }

                return null;
            }

            if (element.ValueKind != JsonValueKind.Number)
            {
                Malformed(name, $"must be a number, not {Describe(element.ValueKind)}.");
                return null;
            }

            return element;
        }

        private static bool AllAre(string value, Func<char, bool> allowed)
        {
            foreach (var c in value)
            {
                if (!allowed(c))
                {
                    return false;
                }
            }

            return true;
        }

        private JsonElement? Field(string name) => fields[Array.IndexOf(s_fieldNames, name)];

        private string? Invalid(string name, string message)
        {
            Ok = false;
            errors.Invalid(prefix + name, message);
            return null;
        }

        private string? Malformed(string name, string message)
        {
            Ok = false;
            errors.Malformed(prefix + name, message);
            return null;
        }
    }
}
