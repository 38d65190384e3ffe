using System.Text.Json;

namespace FraudStream.XGBoost.ModelChecks;

/// <summary>Parses an XGBoost JSON model into <see cref="ModelNode"/>s with System.Text.Json's reader, which bounds depth and length.</summary>
internal static class JsonModelReader
{
    /// <exception cref="FormatException">The bytes are not one well-formed JSON document within the depth limit.</exception>
    public static ModelNode Read(ReadOnlySpan<byte> json, int maxDepth)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        try
        {
            if (!reader.Read())
            {
                throw new FormatException("it holds no JSON value");
            }

            var root = Value(ref reader);
            if (reader.Read())
            {
                throw new FormatException($"there is data after the JSON document's end at byte {reader.TokenStartIndex}");
            }

            return root;
        }
        catch (JsonException invalid)
        {
            // The reader's message names the line and byte where the JSON breaks.
            var truncated = EndsInsideRoot(json) ? $"the JSON document ends after {json.Length} bytes before its root object closes (truncated?): " : string.Empty;
            throw new FormatException($"{truncated}it is not well-formed JSON ({invalid.Message.TrimEnd('.')})", invalid);
        }
        catch (InvalidOperationException undecodable)
        {
            // GetString on a string that is not valid UTF-8.
            throw new FormatException($"a JSON string ending at byte {reader.BytesConsumed} is not valid UTF-8", undecodable);
        }
    }

    private static ModelNode Value(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var members = new Dictionary<string, ModelNode>(StringComparer.Ordinal);
                while (Next(ref reader) != JsonTokenType.EndObject)
                {
                    var name = reader.GetString()!;
                    Next(ref reader);
                    members[name] = Value(ref reader);
                }

                return new ObjectNode(members);
            case JsonTokenType.StartArray:
                var elements = new List<ModelNode>();
                while (Next(ref reader) != JsonTokenType.EndArray)
                {
                    elements.Add(Value(ref reader));
                }

                return ArrayNodes.From(elements);
            case JsonTokenType.String:
                return new StringNode(reader.GetString()!);
            case JsonTokenType.Number:
                return reader.TryGetInt64(out var integer) ? new IntegerNode(integer) : ScalarNode.Float;
            case JsonTokenType.True or JsonTokenType.False:
                return ScalarNode.Boolean;
            case JsonTokenType.Null:
                return ScalarNode.Null;
            default:
                throw new FormatException($"unexpected JSON token {reader.TokenType} at byte {reader.TokenStartIndex}");
        }
    }

    /// <summary>Whether the text stops inside a string or an unclosed object or array, as a cut-off document does.</summary>
    private static bool EndsInsideRoot(ReadOnlySpan<byte> json)
    {
        var depth = 0;
        var inString = false;
        var escaped = false;
        foreach (var c in json)
        {
            if (inString)
            {
                (escaped, inString) = escaped ? (false, true) : (c == (byte)'\\', c != (byte)'"');
            }
            else if (c == (byte)'"')
            {
                inString = true;
            }
            else if (c is (byte)'{' or (byte)'[')
            {
                depth++;
            }
            else if (c is (byte)'}' or (byte)']')
            {
                depth--;
            }
        }

        return inString || depth > 0;
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new FormatException("the JSON document ends early (truncated?)");
        }

        return reader.TokenType;
    }
}
