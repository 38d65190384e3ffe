using System.Globalization;

namespace FraudStream.XGBoost.ModelChecks;

/// <summary>
/// Checks the tree structure of a parsed model before libxgboost 1.7.4 loads it, because libxgboost trusts it:
/// a child index out of range or a tree id past the tree count makes it read outside its arrays (SIGSEGV), a child
/// pointing back up the tree makes prediction loop forever, and an output group past the model's groups aborts the
/// process. Found by loading every single-byte corruption of a small model; each rule below stops one such class.
/// </summary>
internal static class TreeModelCheck
{
    /// <summary>More features than any FraudStream model has; XGBoost allocates per-thread buffers of this size.</summary>
    public const long MaxFeatures = 1_000_000;

    /// <summary>More output groups (classes, targets) than any sensible model has.</summary>
    public const long MaxOutputGroups = 100_000;

    /// <summary>XGBoost's kInvalidNodeId as it saves the root's parent: -1 with the left-child bit cleared.</summary>
    private const long RootParent = int.MaxValue;

    /// <exception cref="FormatException">The model's structure is inconsistent; the message says where.</exception>
    public static void Validate(ModelNode document)
    {
        var root = document as ObjectNode ?? throw new FormatException($"its root is {document.Kind}, not an object");
        var learner = Member<ObjectNode>(root, "learner", "the document");
        var parameters = Member<ObjectNode>(learner, "learner_model_param", "learner");
        var features = Parameter(parameters, "num_feature", "learner_model_param", 0, MaxFeatures);
        var classes = Parameter(parameters, "num_class", "learner_model_param", 0, MaxOutputGroups);
        var targets = parameters.Members.ContainsKey("num_target")
            ? Parameter(parameters, "num_target", "learner_model_param", 1, MaxOutputGroups)
            : 1;

        // XGBoost 1.7: num_output_group = max(num_class, num_target).
        var groups = Math.Max(1, Math.Max(classes, targets));

        var booster = Member<ObjectNode>(learner, "gradient_booster", "learner");
        var name = Member<StringNode>(booster, "name", "gradient_booster").Value;
        switch (name)
        {
            case "gbtree":
                CheckTrees(Member<ObjectNode>(booster, "model", "gradient_booster"), features, groups, weightDrop: null);
                break;
            case "dart":
                var trees = Member<ObjectNode>(booster, "gbtree", "the dart booster");
                CheckTrees(
                    Member<ObjectNode>(trees, "model", "the dart booster's gbtree"), features, groups,
                    Member<ArrayNode>(booster, "weight_drop", "the dart booster"));
                break;
            case "gblinear":
                throw new FormatException(
                    "it is a linear model (gblinear); FraudStream loads tree models only (gbtree, dart), "
                    + "the ones XGBoost makes safe to predict with from several threads");
            default:
                throw new FormatException($"its booster is '{name}', which XGBoost 1.7 does not have");
        }
    }

    private static void CheckTrees(ObjectNode model, long features, long groups, ArrayNode? weightDrop)
    {
        var parameters = Member<ObjectNode>(model, "gbtree_model_param", "the tree model");
        var treeCount = Parameter(parameters, "num_trees", "gbtree_model_param", 0, int.MaxValue);
        if (parameters.Members.ContainsKey("num_parallel_tree"))
        {
            Parameter(parameters, "num_parallel_tree", "gbtree_model_param", 1, int.MaxValue);
        }

        var trees = Member<ArrayNode>(model, "trees", "the tree model");
        if (trees.Count != treeCount)
        {
            throw new FormatException($"it declares {treeCount} trees but holds {trees.Count}");
        }

        var treeInfo = IntegerArray(model, "tree_info", "the tree model", treeCount);
        for (var i = 0; i < treeInfo.Length; i++)
        {
            if (treeInfo[i] < 0 || treeInfo[i] >= groups)
            {
                throw new FormatException($"tree {i} belongs to output group {treeInfo[i]}, but the model has {groups}");
            }
        }

        if (weightDrop is not null && weightDrop.Count != treeCount)
        {
            throw new FormatException($"the dart booster has {weightDrop.Count} tree weights for {treeCount} trees");
        }

        for (var i = 0; i < treeCount; i++)
        {
            var tree = trees.Items?[i] as ObjectNode
                ?? throw new FormatException($"tree {i} is {trees.Items?[i].Kind ?? "a number"}, not an object");
            CheckTree(tree, i, features);
        }
    }

    private static void CheckTree(ObjectNode tree, int index, long features)
    {
        var where = string.Create(CultureInfo.InvariantCulture, $"tree {index}");
        var id = Member<IntegerNode>(tree, "id", where).Value;
        if (id != index)
        {
            throw new FormatException($"{where} says it is tree {id}");
        }

        var parameters = Member<ObjectNode>(tree, "tree_param", where);
        var nodes = (int)Parameter(parameters, "num_nodes", $"{where}'s tree_param", 1, int.MaxValue);
        if (parameters.Members.ContainsKey("size_leaf_vector")
            && Parameter(parameters, "size_leaf_vector", $"{where}'s tree_param", 0, long.MaxValue) != 0)
        {
            throw new FormatException($"{where} has leaf vectors, which XGBoost 1.7 does not support");
        }

        var left = IntegerArray(tree, "left_children", where, nodes);
        var right = IntegerArray(tree, "right_children", where, nodes);
        var parents = IntegerArray(tree, "parents", where, nodes);
        var splitFeatures = IntegerArray(tree, "split_indices", where, nodes);
        foreach (var perNode in (ReadOnlySpan<string>)["split_conditions", "default_left", "base_weights", "loss_changes", "sum_hessian"])
        {
            var values = Member<ArrayNode>(tree, perNode, where);
            if (values.Count != nodes)
            {
                throw new FormatException($"{where} has {nodes} nodes but {values.Count} {perNode}");
            }
        }

        // Categorical splits index further arrays XGBoost also trusts; FraudStream's features are all numerical.
        if (tree.Members.ContainsKey("split_type") && IntegerArray(tree, "split_type", where, nodes).Any(type => type != 0))
        {
            throw new FormatException($"{where} has categorical splits, which FraudStream does not load");
        }

        if (tree.Members.TryGetValue("categories_nodes", out var categorical) && categorical is not ArrayNode { Count: 0 })
        {
            throw new FormatException($"{where} has categorical splits, which FraudStream does not load");
        }

        // XGBoost looks up the parent of every node but the root while loading, deleted nodes included.
        if (parents[0] != RootParent && parents[0] != -1)
        {
            throw new FormatException($"{where}'s root has parent {parents[0]}, not none");
        }

        for (var node = 1; node < nodes; node++)
        {
            if (parents[node] < 0 || parents[node] >= nodes)
            {
                throw new FormatException($"{where}'s node {node} has parent {parents[node]}, outside its {nodes} nodes");
            }
        }

        // Walk the tree from its root: each child inside the tree, reached once (no cycles), and naming its parent.
        var reached = new bool[nodes];
        var pending = new Stack<int>();
        reached[0] = true;
        pending.Push(0);
        while (pending.TryPop(out var node))
        {
            if (left[node] == -1)
            {
                continue;
            }

            if (splitFeatures[node] < 0 || splitFeatures[node] >= features)
            {
                throw new FormatException($"{where}'s node {node} splits on feature {splitFeatures[node]}, but the model has {features} features");
            }

            foreach (var child in (ReadOnlySpan<long>)[left[node], right[node]])
            {
                if (child <= 0 || child >= nodes)
                {
                    throw new FormatException($"{where}'s node {node} has child {child}, outside its {nodes} nodes");
                }

                if (reached[child])
                {
                    throw new FormatException($"{where}'s node {child} is reached twice (the tree has a cycle)");
                }

                if (parents[child] != node)
                {
                    throw new FormatException($"{where}'s node {child} is a child of node {node} but names {parents[child]} as its parent");
                }

                reached[child] = true;
                pending.Push((int)child);
            }
        }
    }

    private static T Member<T>(ObjectNode parent, string name, string where)
        where T : ModelNode
    {
        if (!parent.Members.TryGetValue(name, out var member))
        {
            throw new FormatException($"{where} has no '{name}'");
        }

        return member as T ?? throw new FormatException($"'{name}' in {where} is {member.Kind}");
    }

    private static long[] IntegerArray(ObjectNode parent, string name, string where, long expectedCount)
    {
        var array = Member<ArrayNode>(parent, name, where);
        if (array.Integers is null)
        {
            throw new FormatException($"'{name}' in {where} is not an array of integers");
        }

        if (array.Count != expectedCount)
        {
            throw new FormatException($"'{name}' in {where} has {array.Count} entries, not {expectedCount}");
        }

        return array.Integers;
    }

    // XGBoost saves its parameters as strings ("4"); integers are accepted too.
    private static long Parameter(ObjectNode parent, string name, string where, long min, long max)
    {
        var member = Member<ModelNode>(parent, name, where);
        var value = member switch
        {
            IntegerNode integer => integer.Value,
            StringNode text when long.TryParse(
                text.Value, NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite | NumberStyles.AllowLeadingSign,
                CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => throw new FormatException($"'{name}' in {where} is not an integer"),
        };

        if (value < min || value > max)
        {
            throw new FormatException($"'{name}' in {where} is {value}, outside {min}..{max}");
        }

        return value;
    }
}
