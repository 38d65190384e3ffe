namespace FraudStream.XGBoost.ModelChecks;

/// <summary>A value in a parsed model document (JSON or UBJSON), kept only as far as the model checks need it.</summary>
internal abstract class ModelNode
{
    /// <summary>What a message calls this kind of value.</summary>
    public abstract string Kind { get; }
}

/// <summary>An object: named members.</summary>
internal sealed class ObjectNode(Dictionary<string, ModelNode> members) : ModelNode
{
    public IReadOnlyDictionary<string, ModelNode> Members { get; } = members;

    public override string Kind => "an object";
}

/// <summary>
/// An array. Integer arrays (node indices, split features, tree groups) keep their values; arrays holding objects,
/// strings or arrays keep their items; float arrays keep only their length.
/// </summary>
internal sealed class ArrayNode(int count, long[]? integers, IReadOnlyList<ModelNode>? items) : ModelNode
{
    public int Count { get; } = count;

    /// <summary>The values when every element is an integer (also for an empty array), otherwise null.</summary>
    public long[]? Integers { get; } = integers;

    /// <summary>The elements when some element is not a number, otherwise null.</summary>
    public IReadOnlyList<ModelNode>? Items { get; } = items;

    public override string Kind => "an array";
}

/// <summary>A string; XGBoost stores most parameters, numbers included, as strings.</summary>
internal sealed class StringNode(string value) : ModelNode
{
    public string Value { get; } = value;

    public override string Kind => "a string";
}

/// <summary>An integer.</summary>
internal sealed class IntegerNode(long value) : ModelNode
{
    public long Value { get; } = value;

    public override string Kind => "an integer";
}

/// <summary>A float, boolean or null: only its presence matters to the checks.</summary>
internal sealed class ScalarNode(string kind) : ModelNode
{
    public static readonly ScalarNode Float = new("a float");
    public static readonly ScalarNode Boolean = new("a boolean");
    public static readonly ScalarNode Null = new("null");

    public override string Kind { get; } = kind;
}

/// <summary>Builds <see cref="ArrayNode"/>s from parsed elements.</summary>
internal static class ArrayNodes
{
    public static ArrayNode From(List<ModelNode> elements)
    {
        var integers = new long[elements.Count];
        var numbersOnly = true;
        for (var i = 0; i < elements.Count; i++)
        {
            switch (elements[i])
            {
                case IntegerNode integer when integers is not null:
                    integers[i] = integer.Value;
                    break;
                case IntegerNode:
                    break;
                case ScalarNode scalar when ReferenceEquals(scalar, ScalarNode.Float):
                    integers = null;
                    break;
                default:
                    integers = null;
                    numbersOnly = false;
                    break;
            }
        }

        return new ArrayNode(elements.Count, integers, numbersOnly ? null : elements);
    }
}
