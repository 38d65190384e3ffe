namespace FraudStream.XGBoost.ModelChecks;

/// <summary>
/// Checks a serialized model in managed code before libxgboost parses it, because libxgboost 1.7.4 does not survive
/// every damaged input. Measured on this library: its UBJSON reader trusts length and count fields (a length past
/// the end of the buffer makes it read beyond it: SIGSEGV, or gigabytes allocated first); both its readers recurse
/// without a depth limit (a few thousand nested arrays overflow the stack); anything not starting with '{' goes to
/// the deprecated binary loader, which also allocates whatever a length field says; and its model loader and
/// predictor trust the trees' indices (see <see cref="TreeModelCheck"/>).
/// </summary>
/// <remarks>
/// Accepted: one JSON or UBJSON document (the subset XGBoost writes and reads), nested at most <see cref="MaxDepth"/>
/// deep, whose tree model (gbtree or dart, numerical splits) is consistent. The cost is one extra parse per load, about
/// as long as XGBoost's own. Values XGBoost validates itself (objective, parameters' spelling) are left to it.
/// </remarks>
internal static class ModelDocument
{
    /// <summary>Deepest nesting accepted; XGBoost's own models nest 6 levels (learner, booster, model, trees, tree, arrays).</summary>
    public const int MaxDepth = 64;

    /// <summary>The format a file name implies, as XGBoost decides it: by its extension.</summary>
    public static ModelFormat? FormatOfPath(string path) =>
        Path.GetExtension(path).ToUpperInvariant() switch
        {
            ".JSON" => ModelFormat.Json,
            ".UBJ" => ModelFormat.Ubjson,
            _ => null,
        };

    /// <summary>Validates <paramref name="model"/> and returns the bytes to hand to XGBoosterLoadModelFromBuffer.</summary>
    /// <param name="model">The serialized model.</param>
    /// <param name="expected">The format the source promises (a file's extension), or null to go by the content.</param>
    /// <param name="source">Names the source in messages, e.g. "The model file '/models/v3/model.ubj'".</param>
    /// <exception cref="XGBoostException">The bytes are not a model XGBoost can safely load; the message says where they break.</exception>
    public static ReadOnlySpan<byte> Prepare(ReadOnlySpan<byte> model, ModelFormat? expected, string source)
    {
        try
        {
            var format = Detect(model);
            if (expected is { } promised && promised != format)
            {
                throw new FormatException(
                    $"it holds {Describe(format)} but its name promises {Describe(promised)}; rename it to {Extension(format)}");
            }

            var document = format == ModelFormat.Ubjson
                ? UbjsonModelReader.Read(model, MaxDepth)
                : JsonModelReader.Read(model, MaxDepth);
            TreeModelCheck.Validate(document);
            return format == ModelFormat.Json ? WithCompactJsonHeader(model) : model;
        }
        catch (FormatException invalid)
        {
            throw new XGBoostException($"{source} is not a loadable XGBoost model: {invalid.Message}.", invalid);
        }
    }

    private static ModelFormat Detect(ReadOnlySpan<byte> model)
    {
        if (model.IsEmpty)
        {
            throw new FormatException("it is empty");
        }

        // A UBJSON object starts with '{' and its first key's length marker; XGBoost writes 'L' (int64) for every key.
        if (model.Length >= 2 && model[0] == (byte)'{' && model[1] == (byte)'L')
        {
            return ModelFormat.Ubjson;
        }

        var start = SkipWhitespace(model, 0);
        if (start < model.Length && model[start] == (byte)'{')
        {
            return ModelFormat.Json;
        }

        throw new FormatException(
            "it is neither JSON nor UBJSON (it does not start with '{'); XGBoost's deprecated binary format is not supported, "
            + "re-save the model with XGBoost as .ubj");
    }

    // XGBoost picks its parser from the first two bytes and wants '{' then '"': drop whitespace before the first key.
    private static ReadOnlySpan<byte> WithCompactJsonHeader(ReadOnlySpan<byte> model)
    {
        var start = SkipWhitespace(model, 0);
        var firstKey = SkipWhitespace(model, start + 1);
        if (start == 0 && firstKey == 1)
        {
            return model;
        }

        var compact = new byte[1 + model.Length - firstKey];
        compact[0] = (byte)'{';
        model[firstKey..].CopyTo(compact.AsSpan(1));
        return compact;
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> bytes, int index)
    {
        while (index < bytes.Length && bytes[index] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
        {
            index++;
        }

        return index;
    }

    private static string Describe(ModelFormat format) => format == ModelFormat.Json ? "JSON" : "UBJSON";

    private static string Extension(ModelFormat format) => format == ModelFormat.Json ? ".json" : ".ubj";
}
