using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using FraudStream.XGBoost.Tests.Support;

namespace FraudStream.XGBoost.Tests;

/// <summary>
/// Damaged models must fail with an <see cref="XGBoostException"/> and leave the process running. Several of these
/// inputs kill the process when handed to libxgboost 1.7.4 unchecked (SIGSEGV, stack overflow, abort, endless loop),
/// as noted per test; FraudStream's model checks refuse them first.
/// </summary>
public sealed class CorruptModelTests
{
    private TrainedModel _model = null!;
    private byte[] _small = null!;
    private TemporaryDirectory _directory = null!;

    [OneTimeSetUp]
    public void TrainModels()
    {
        _model = TestModels.Separable;
        _small = TestModels.Train(rounds: 2, new Dictionary<string, string> { ["max_depth"] = "3" }).Ubjson;
        _directory = new TemporaryDirectory();
    }

    [OneTimeTearDown]
    public void Clean() => _directory.Dispose();

    [Test]
    public void Random_bytes_throw_XGBoostException([Range(0, 7)] int seed)
    {
        // Arrange: libxgboost sends these to its deprecated binary loader, which allocates what length fields say.
        var bytes = RandomBytes(seed, 2000);

        // Act
        var failure = Assert.Throws<XGBoostException>(() => Booster.LoadModelFromBuffer(bytes));

        // Assert
        Assert.That(failure!.Message, Does.StartWith("The model buffer is not a loadable XGBoost model"));
    }

    [Test]
    public void Random_bytes_behind_a_ubjson_or_json_start_throw_XGBoostException([Range(0, 7)] int seed, [Values("{L", "{\"", "{")] string start)
    {
        // Arrange
        var bytes = Encoding.ASCII.GetBytes(start).Concat(RandomBytes(seed, 2000)).ToArray();

        // Act, Assert
        Assert.That(() => Booster.LoadModelFromBuffer(bytes), Throws.TypeOf<XGBoostException>());
    }

    [TestCase(0)]
    [TestCase(1)]
    public void An_empty_model_throws_XGBoostException(int length)
    {
        // Arrange
        var bytes = "{"u8[..length].ToArray();

        // Act, Assert
        Assert.That(() => Booster.LoadModelFromBuffer(bytes), Throws.TypeOf<XGBoostException>());
    }

    [Test]
    public void Every_truncation_of_a_ubjson_model_throws_XGBoostException()
    {
        // Arrange: libxgboost's UBJSON reader reads past the end of a truncated buffer (std::bad_alloc, or SIGSEGV).
        var refused = 0;

        // Act
        for (var length = 0; length < _small.Length; length++)
        {
            try
            {
                using var booster = Booster.LoadModelFromBuffer(_small.AsSpan(0, length));
            }
            catch (XGBoostException)
            {
                refused++;
            }
        }

        // Assert
        Assert.That(refused, Is.EqualTo(_small.Length));
    }

    [Test]
    public void Every_truncation_of_a_json_model_throws_XGBoostException()
    {
        // Arrange
        using var booster = Booster.LoadModelFromBuffer(_small);
        var json = booster.SaveModelToBuffer(ModelFormat.Json);
        var refused = 0;

        // Act
        for (var length = 0; length < json.Length; length++)
        {
            try
            {
                using var loaded = Booster.LoadModelFromBuffer(json.AsSpan(0, length));
            }
            catch (XGBoostException)
            {
                refused++;
            }
        }

        // Assert
        Assert.That(refused, Is.EqualTo(json.Length));
    }

    [TestCase("model.ubj")]
    [TestCase("model.json")]
    public void A_truncated_model_file_throws_XGBoostException_naming_the_file(string name)
    {
        // Arrange
        var path = _directory.File(name);
        using (var booster = Booster.LoadModelFromBuffer(_small))
        {
            booster.SaveModel(path);
        }

        var whole = File.ReadAllBytes(path);
        File.WriteAllBytes(path, whole[..(whole.Length * 2 / 3)]);

        // Act
        var failure = Assert.Throws<XGBoostException>(() => Booster.LoadModel(path));

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(failure!.Message, Does.Contain(path));
            Assert.That(failure.Message, Does.Contain("truncated"));
        });
    }

    [Test]
    public void A_model_file_of_random_bytes_throws_XGBoostException_naming_the_file()
    {
        // Arrange
        var path = _directory.File("random.ubj");
        File.WriteAllBytes(path, RandomBytes(42, 5000));

        // Act
        var failure = Assert.Throws<XGBoostException>(() => Booster.LoadModel(path));

        // Assert
        Assert.That(failure!.Message, Does.Contain(path).And.Contain("neither JSON nor UBJSON"));
    }

    [Test]
    public void Ubjson_in_a_json_file_throws_XGBoostException_saying_so()
    {
        // Arrange
        var path = _directory.File("mislabelled.json");
        File.WriteAllBytes(path, _small);

        // Act
        var failure = Assert.Throws<XGBoostException>(() => Booster.LoadModel(path));

        // Assert
        Assert.That(failure!.Message, Does.Contain("rename it to .ubj"));
    }

    [Test]
    public void A_ubjson_length_past_the_end_throws_XGBoostException()
    {
        // Arrange: libxgboost 1.7.4 copies that many bytes from past the buffer: SIGSEGV.
        var bytes = (byte[])_small.Clone();
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(2), 1_000_000_000);

        // Act
        var failure = Assert.Throws<XGBoostException>(() => Booster.LoadModelFromBuffer(bytes));

        // Assert
        Assert.That(failure!.Message, Does.Contain("1000000000 bytes").And.Contain("truncated"));
    }

    [Test]
    public void A_ubjson_array_count_past_the_end_throws_XGBoostException()
    {
        // Arrange: libxgboost 1.7.4 allocates the count first (gigabytes for this one) and then reads past the buffer.
        var bytes = new byte[] { (byte)'{', (byte)'L', 0, 0, 0, 0, 0, 0, 0, 1, (byte)'a', (byte)'[', (byte)'#', (byte)'L' }
            .Concat(new byte[] { 0, 0, 0, 0, 5, 0xF5, 0xE1, 0 })
            .Concat("i\0}"u8.ToArray())
            .ToArray();

        // Act
        var failure = Assert.Throws<XGBoostException>(() => Booster.LoadModelFromBuffer(bytes));

        // Assert
        Assert.That(failure!.Message, Does.Contain("truncated"));
    }

    [TestCase("{\"learner\":", "[", "]", "}")]
    [TestCase("{L\0\0\0\0\0\0\0\u0007learner", "[", "]", "}")]
    public void Deep_nesting_throws_XGBoostException(string prefix, string open, string close, string suffix)
    {
        // Arrange: libxgboost's readers recurse once per level; 100 000 levels overflow its stack.
        const int depth = 100_000;
        var text = prefix + string.Concat(Enumerable.Repeat(open, depth)) + string.Concat(Enumerable.Repeat(close, depth)) + suffix;
        var bytes = Encoding.Latin1.GetBytes(text);

        // Act
        var failure = Assert.Throws<XGBoostException>(() => Booster.LoadModelFromBuffer(bytes));

        // Assert
        Assert.That(failure!.Message, Does.Contain("depth").IgnoreCase.Or.Contain("nests deeper"));
    }

    [Test]
    public void The_deprecated_binary_format_throws_XGBoostException()
    {
        // Arrange
        var bytes = "binf"u8.ToArray().Concat(new byte[200]).ToArray();

        // Act
        var failure = Assert.Throws<XGBoostException>(() => Booster.LoadModelFromBuffer(bytes));

        // Assert
        Assert.That(failure!.Message, Does.Contain("deprecated binary format is not supported"));
    }

    /// <summary>Damage that keeps the document well-formed; libxgboost 1.7.4 trusts all of these.</summary>
    private static IEnumerable<TestCaseData> InconsistentTrees()
    {
        static Action<JsonNode> Tree(int index, Action<JsonNode> change) =>
            model => change(model["learner"]!["gradient_booster"]!["model"]!["trees"]![index]!);

        yield return new TestCaseData(Tree(0, t => t["left_children"]![1] = 0), "child 0")
            .SetName("A child pointing back at the root (endless prediction loop)");
        yield return new TestCaseData(Tree(0, t => t["right_children"]![0] = t["left_children"]![0]!.GetValue<int>()), "reached twice")
            .SetName("Both children of a node being the same node");
        yield return new TestCaseData(Tree(0, t => t["right_children"]![0] = 5000), "outside its")
            .SetName("A child outside the tree (SIGSEGV)");
        yield return new TestCaseData(Tree(0, t => t["parents"]![3] = 5000), "parent 5000")
            .SetName("A parent outside the tree (SIGSEGV while loading)");
        yield return new TestCaseData(Tree(0, t => t["parents"]![1] = 2), "names 2 as its parent")
            .SetName("A parent that is not the node's parent");
        yield return new TestCaseData(Tree(1, t => t["id"] = 7), "says it is tree 7")
            .SetName("A tree id past the tree count (SIGSEGV)");
        yield return new TestCaseData(Tree(0, t => t["split_indices"]![0] = 6), "splits on feature 6")
            .SetName("A split on a feature the model does not have");
        yield return new TestCaseData(Tree(0, t => t["split_type"]![0] = 1), "categorical")
            .SetName("A categorical split");
        yield return new TestCaseData(Tree(0, t => t["left_children"]!.AsArray().RemoveAt(0)), "entries")
            .SetName("A node array shorter than the tree");
        yield return new TestCaseData(
                (Action<JsonNode>)(m => m["learner"]!["gradient_booster"]!["model"]!["tree_info"]![0] = 1), "output group 1")
            .SetName("A tree in an output group the model does not have (abort)");
        yield return new TestCaseData(
                (Action<JsonNode>)(m => m["learner"]!["gradient_booster"]!["model"]!["gbtree_model_param"]!["num_trees"] = "99"), "declares 99 trees")
            .SetName("A tree count that differs from the trees (SIGSEGV)");
        yield return new TestCaseData(
                (Action<JsonNode>)(m => m["learner"]!["gradient_booster"]!["model"]!["gbtree_model_param"]!["num_parallel_tree"] = "0"), "num_parallel_tree")
            .SetName("Zero parallel trees");
        yield return new TestCaseData(
                (Action<JsonNode>)(m => m["learner"]!.AsObject().Remove("learner_model_param")), "no 'learner_model_param'")
            .SetName("No model parameters");
        yield return new TestCaseData(
                (Action<JsonNode>)(m => m["learner"]!["learner_model_param"]!["num_feature"] = "four"), "num_feature")
            .SetName("A feature count that is not a number");
    }

    [TestCaseSource(nameof(InconsistentTrees))]
    public void An_inconsistent_tree_model_throws_XGBoostException(Action<JsonNode> damage, string reason)
    {
        // Arrange
        using var booster = _model.Load();
        var model = JsonNode.Parse(booster.SaveModelToBuffer(ModelFormat.Json))!;
        damage(model);
        var bytes = Encoding.UTF8.GetBytes(model.ToJsonString());

        // Act
        var failure = Assert.Throws<XGBoostException>(() => Booster.LoadModelFromBuffer(bytes));

        // Assert
        Assert.That(failure!.Message, Does.Contain(reason));
    }

    [Test]
    public void A_linear_model_throws_XGBoostException()
    {
        // Arrange: gblinear is not safe to predict with from several threads.
        var data = _model.Train.Take(200);
        using var matrix = DMatrix.FromDense(data.Features, data.Rows, data.Columns, missing: 0);
        matrix.SetLabels(data.Labels);
        using var linear = Booster.Create(matrix);
        linear.SetParameters(new Dictionary<string, string> { ["booster"] = "gblinear", ["objective"] = "binary:logistic", ["nthread"] = "1" });
        linear.UpdateOneIteration(0, matrix);

        // Act
        var failure = Assert.Throws<XGBoostException>(() => Booster.LoadModelFromBuffer(linear.SaveModelToBuffer(ModelFormat.Ubjson)));

        // Assert
        Assert.That(failure!.Message, Does.Contain("gblinear"));
    }

    [Test]
    public void Every_single_byte_change_to_a_model_either_loads_and_predicts_or_throws_XGBoostException()
    {
        // Arrange: unchecked, about one in twenty of these changes kills the process (SIGSEGV, abort) or hangs it.
        var rows = _model.Holdout.Take(20);
        var scores = new float[rows.Rows * 1000];
        var contributions = new float[rows.Rows * 1000];
        int loaded = 0, refused = 0;

        // Act
        for (var position = 0; position < _small.Length; position++)
        {
            foreach (var value in (ReadOnlySpan<byte>)[0x00, 0xFF, (byte)'9'])
            {
                if (_small[position] == value)
                {
                    continue;
                }

                var damaged = (byte[])_small.Clone();
                damaged[position] = value;
                try
                {
                    using var booster = Booster.LoadModelFromBuffer(damaged, threadCount: 1);
                    booster.PredictDense(rows.Features, rows.Rows, rows.Columns, scores);
                    booster.PredictContributions(rows.Features.AsSpan(0, 2 * rows.Columns), 2, rows.Columns, contributions);
                    loaded++;
                }
                catch (XGBoostException)
                {
                    refused++;
                }
            }
        }

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(refused, Is.GreaterThan(0));
            Assert.That(loaded, Is.GreaterThan(0), "changes to split thresholds and leaf values leave a loadable model");
        });
        TestContext.Out.WriteLine($"{loaded} damaged models loaded and predicted, {refused} refused");
    }

    private static byte[] RandomBytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
