using System.Globalization;
using System.Text.Json;

namespace FraudStream.XGBoost.Flat;

/// <summary>
/// Reads the trees of an XGBoost 1.7 JSON model (what <see cref="Booster.SaveModelToBuffer"/> writes) into
/// <see cref="FlatForest"/>'s arrays, refusing with one sentence every model kind the managed evaluator does not
/// reproduce exactly.
/// </summary>
/// <remarks>
/// XGBoost writes floats in JSON as the shortest text that reads back to the same float32, so thresholds, leaf values,
/// base_score and dart's tree weights parsed here are XGBoost's own bits.
/// </remarks>
internal static class FlatForestReader
{
    /// <summary>
    /// What the reader hands <see cref="FlatForest"/>; Means holds each node's mean value (its leaves' values weighted
    /// by their hessian sums, as XGBoost's approximate contributions compute it), aligned with Nodes, or null when a
    /// tree has no sum_hessian.
    /// </summary>
    internal sealed record Parts(
        FlatNode[] Nodes, int[] Roots, float[]? TreeWeights, int FeatureCount, int TreesPerRound, string Objective,
        FlatTransform Transform, float BaseMargin, float[]? Means);

    /// <exception cref="UnsupportedModelException">The model is not one the managed evaluator reproduces, or not a tree model it can read.</exception>
    public static Parts Read(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
            return Read(document.RootElement.GetProperty("learner"));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new UnsupportedModelException($"The managed evaluator could not read the model's trees ({e.Message.TrimEnd('.')}).", e);
        }
    }

    private static Parts Read(JsonElement learner)
    {
        var parameters = learner.GetProperty("learner_model_param");
        var features = Integer(parameters, "num_feature");
        if (features < 1)
        {
            throw new UnsupportedModelException("The managed evaluator scores models with at least one feature, and this one has none.");
        }

        var outputs = Math.Max(1, Math.Max(Integer(parameters, "num_class"), IntegerOr(parameters, "num_target", 1)));
        if (outputs != 1)
        {
            throw new UnsupportedModelException(
                $"The managed evaluator scores models with one output per row, and this one has {outputs} (multi-class or multi-target).");
        }

        var objective = learner.GetProperty("objective").GetProperty("name").GetString() ?? string.Empty;
        var transform = FlatObjective.TransformOf(objective) ?? throw new UnsupportedModelException(
            $"The managed evaluator reproduces the objectives {FlatObjective.Supported}, not '{objective}'.");
        var baseScore = float.Parse(parameters.GetProperty("base_score").GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);

        var booster = learner.GetProperty("gradient_booster");
        var name = booster.GetProperty("name").GetString();
        JsonElement model;
        float[]? weights = null;
        switch (name)
        {
            case "gbtree":
                model = booster.GetProperty("model");
                break;
            case "dart":
                model = booster.GetProperty("gbtree").GetProperty("model");
                weights = [.. booster.GetProperty("weight_drop").EnumerateArray().Select(w => w.GetSingle())];
                break;
            default:
                throw new UnsupportedModelException($"The managed evaluator reproduces tree models (gbtree, dart), not '{name}'.");
        }

        var treeParameters = model.GetProperty("gbtree_model_param");
        var perRound = IntegerOr(treeParameters, "num_parallel_tree", 1);
        var trees = model.GetProperty("trees");
        if (weights is not null && weights.Length != trees.GetArrayLength())
        {
            throw new FormatException($"the dart booster has {weights.Length} tree weights for {trees.GetArrayLength()} trees");
        }

        var nodes = new List<FlatNode>();
        List<float>? means = [];
        var roots = new int[trees.GetArrayLength()];
        var index = 0;
        foreach (var tree in trees.EnumerateArray())
        {
            roots[index] = nodes.Count;
            Flatten(tree, index++, features, nodes, ref means);
        }

        return new Parts(
            [.. nodes], roots, weights, features, perRound, objective, transform, FlatObjective.BaseMargin(objective, baseScore), means?.ToArray());
    }

    /// <summary>
    /// Appends one tree's reachable nodes in breadth-first order, so each split's right child directly follows its
    /// left one; deleted (pruned) nodes XGBoost keeps in its arrays are left out. The nodes' mean values
    /// (<see cref="MeanValues"/>) go to <c>means</c> in the same order; it becomes null when a tree has no sum_hessian.
    /// </summary>
    private static void Flatten(JsonElement tree, int index, int features, List<FlatNode> nodes, ref List<float>? means)
    {
        var left = Integers(tree, "left_children");
        var right = Integers(tree, "right_children");
        var split = Integers(tree, "split_indices");
        var defaultLeft = Integers(tree, "default_left");
        var conditions = tree.GetProperty("split_conditions").EnumerateArray().Select(c => c.GetSingle()).ToArray();
        var count = left.Length;
        if (right.Length != count || split.Length != count || defaultLeft.Length != count || conditions.Length != count)
        {
            throw new FormatException($"tree {index}'s node arrays differ in length");
        }

        if (tree.TryGetProperty("split_type", out var types) && types.EnumerateArray().Any(t => t.GetInt32() != 0))
        {
            throw new UnsupportedModelException($"The managed evaluator reproduces numerical splits only, and tree {index} has a categorical split.");
        }

        var start = nodes.Count;
        var order = new List<int> { 0 };
        var seen = new bool[count];
        seen[0] = true;
        for (var k = 0; k < order.Count; k++)
        {
            var id = order[k];
            if (left[id] == -1)
            {
                nodes.Add(new FlatNode(-1, conditions[id], 0, 0));
                continue;
            }

            if (split[id] < 0 || split[id] >= features)
            {
                throw new FormatException($"tree {index}'s node {id} splits on feature {split[id]} of {features}");
            }

            foreach (var child in (ReadOnlySpan<int>)[left[id], right[id]])
            {
                if (child <= 0 || child >= count || seen[child])
                {
                    throw new FormatException($"tree {index}'s node {id} has child {child}, outside its {count} nodes or reached twice");
                }

                seen[child] = true;
            }

            var leftAt = start + order.Count;
            order.Add(left[id]);
            order.Add(right[id]);
            nodes.Add(new FlatNode(split[id], conditions[id], leftAt, defaultLeft[id] != 0 ? 1 : 0));
        }

        if (means is not null && tree.TryGetProperty("sum_hessian", out var sums))
        {
            var hessians = sums.EnumerateArray().Select(c => c.GetSingle()).ToArray();
            if (hessians.Length != count)
            {
                throw new FormatException($"tree {index}'s sum_hessian differs in length from its nodes");
            }

            means.AddRange(MeanValues(order, left, right, conditions, hessians));
        }
        else
        {
            means = null;
        }
    }

    /// <summary>
    /// The mean value of each node of <paramref name="order"/> (a tree's node ids, parents before children), in float32
    /// as libxgboost's FillNodeMeanValues computes it: a leaf's value; a split's children's means weighted by their
    /// hessian sums, divided by its own.
    /// </summary>
    private static IEnumerable<float> MeanValues(List<int> order, int[] left, int[] right, float[] conditions, float[] hessians)
    {
        var byId = new float[left.Length];
        for (var k = order.Count - 1; k >= 0; k--)
        {
            var id = order[k];
            if (left[id] == -1)
            {
                byId[id] = conditions[id];
                continue;
            }

            var mean = byId[left[id]] * hessians[left[id]];
            mean += byId[right[id]] * hessians[right[id]];
            mean /= hessians[id];
            byId[id] = mean;
        }

        return order.Select(id => byId[id]);
    }

    // default_left holds 0/1 integers in XGBoost 1.7 JSON; booleans are accepted too.
    private static int[] Integers(JsonElement tree, string name) =>
        [.. tree.GetProperty(name).EnumerateArray().Select(v => v.ValueKind switch
        {
            JsonValueKind.True => 1,
            JsonValueKind.False => 0,
            _ => v.GetInt32(),
        })];

    // XGBoost saves its parameters as strings ("4").
    private static int Integer(JsonElement parent, string name)
    {
        var value = parent.GetProperty(name);
        return value.ValueKind == JsonValueKind.String
            ? int.Parse(value.GetString()!, NumberStyles.Integer, CultureInfo.InvariantCulture)
            : value.GetInt32();
    }

    private static int IntegerOr(JsonElement parent, string name, int fallback) =>
        parent.TryGetProperty(name, out _) ? Integer(parent, name) : fallback;
}
