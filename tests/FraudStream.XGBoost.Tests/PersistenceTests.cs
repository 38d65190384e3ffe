using System.Text.Json;
using FraudStream.XGBoost.Tests.Support;

namespace FraudStream.XGBoost.Tests;

public sealed class PersistenceTests
{
    private Booster _booster = null!;
    private Dataset _rows = null!;
    private float[] _expected = null!;
    private TemporaryDirectory _directory = null!;

    [OneTimeSetUp]
    public void LoadModel()
    {
        _booster = TestModels.Separable.Load();
        _rows = TestModels.Separable.Holdout;
        _expected = Scores(_booster);
        _directory = new TemporaryDirectory();
    }

    [OneTimeTearDown]
    public void Clean()
    {
        _booster.Dispose();
        _directory.Dispose();
    }

    [TestCase("model.json")]
    [TestCase("model.ubj")]
    [TestCase("MODEL.UBJ")]
    public void A_saved_file_loads_with_identical_predictions(string name)
    {
        // Arrange
        var path = _directory.File(name);

        // Act
        _booster.SaveModel(path);
        using var loaded = Booster.LoadModel(path, threadCount: 1);

        // Assert
        Assert.That(Float32File.BitDifferences(_expected, Scores(loaded)), Is.Empty);
    }

    [Test]
    public void The_file_extension_picks_the_format()
    {
        // Act
        _booster.SaveModel(_directory.File("format.json"));
        _booster.SaveModel(_directory.File("format.ubj"));

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllBytes(_directory.File("format.json")).AsSpan(0, 12).ToArray(), Is.EqualTo("{\"learner\":{"u8.ToArray()));
            Assert.That(File.ReadAllBytes(_directory.File("format.ubj")), Is.EqualTo(_booster.SaveModelToBuffer(ModelFormat.Ubjson)));
        });
    }

    [TestCase(ModelFormat.Json)]
    [TestCase(ModelFormat.Ubjson)]
    public void A_saved_buffer_loads_with_identical_predictions(ModelFormat format)
    {
        // Arrange
        var buffer = _booster.SaveModelToBuffer(format);

        // Act
        using var loaded = Booster.LoadModelFromBuffer(buffer, threadCount: 1);

        // Assert
        Assert.That(Float32File.BitDifferences(_expected, Scores(loaded)), Is.Empty);
    }

    [Test]
    public void Json_and_ubjson_round_trips_give_identical_predictions()
    {
        // Arrange
        using var fromJson = Booster.LoadModelFromBuffer(_booster.SaveModelToBuffer(ModelFormat.Json));
        using var fromUbjson = Booster.LoadModelFromBuffer(_booster.SaveModelToBuffer(ModelFormat.Ubjson));

        // Act
        var viaJson = fromJson.SaveModelToBuffer(ModelFormat.Ubjson);
        var viaUbjson = fromUbjson.SaveModelToBuffer(ModelFormat.Ubjson);

        // Assert
        Assert.That(viaJson, Is.EqualTo(viaUbjson));
    }

    [Test]
    public void Indented_json_loads_like_xgboosts_compact_json()
    {
        // Arrange: XGBoost's buffer loader wants '{"' as the first two bytes; people re-indent JSON models.
        using var document = JsonDocument.Parse(_booster.SaveModelToBuffer(ModelFormat.Json));
        var indented = JsonSerializer.SerializeToUtf8Bytes(document.RootElement, new JsonSerializerOptions { WriteIndented = true });
        var path = _directory.File("indented.json");
        File.WriteAllBytes(path, [.. "\n  "u8, .. indented, .. "\n"u8]);

        // Act
        using var loaded = Booster.LoadModel(path);

        // Assert
        Assert.That(Float32File.BitDifferences(_expected, Scores(loaded)), Is.Empty);
    }

    [Test]
    public void Feature_names_and_attributes_survive_a_round_trip()
    {
        // Arrange
        using var booster = TestModels.Separable.Load();
        booster.SetAttribute("best_iteration", "12");
        booster.SetAttribute("pipeline", "fraud-v3");
        booster.SetAttribute("temporary", "x");
        booster.SetAttribute("temporary", null);

        // Act
        using var loaded = Booster.LoadModelFromBuffer(booster.SaveModelToBuffer(ModelFormat.Ubjson));

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(loaded.GetFeatureNames(), Is.EqualTo(Dataset.FeatureNames));
            Assert.That(loaded.GetAttribute("best_iteration"), Is.EqualTo("12"));
            Assert.That(loaded.GetAttribute("pipeline"), Is.EqualTo("fraud-v3"));
            Assert.That(loaded.GetAttribute("temporary"), Is.Null);
            Assert.That(loaded.GetAttributeNames(), Is.EquivalentTo(new[] { "best_iteration", "pipeline" }));
        });
    }

    [Test]
    public void Feature_names_set_on_the_booster_replace_the_training_matrixs()
    {
        // Arrange
        using var booster = TestModels.Separable.Load();
        string[] renamed = ["a", "b", "c", "d", "e", "f"];

        // Act
        booster.SetFeatureNames(renamed);
        using var loaded = Booster.LoadModelFromBuffer(booster.SaveModelToBuffer(ModelFormat.Json));

        // Assert
        Assert.That(loaded.GetFeatureNames(), Is.EqualTo(renamed));
    }

    [Test]
    public void Feature_names_must_be_one_per_feature_and_unique()
    {
        // Arrange
        using var booster = TestModels.Separable.Load();

        // Act, Assert
        Assert.Multiple(() =>
        {
            Assert.That(() => booster.SetFeatureNames(["a", "b"]), Throws.ArgumentException.With.Message.Contains("Expected 6 feature names"));
            Assert.That(() => booster.SetFeatureNames(["a", "b", "c", "d", "e", "a"]), Throws.ArgumentException.With.Message.Contains("'a' appears more than once"));
            Assert.That(() => booster.SetFeatureNames(["a", "b", "c", "d", "e", " "]), Throws.ArgumentException.With.Message.Contains("empty"));
        });
    }

    [Test]
    public void A_model_without_names_has_none()
    {
        // Arrange
        var data = Dataset.Separable(50, seed: 8);
        using var matrix = DMatrix.FromDense(data.Features, data.Rows, data.Columns);
        matrix.SetLabels(data.Labels);
        using var booster = Booster.Create(matrix);
        booster.SetParameters(TestModels.Parameters);
        booster.UpdateOneIteration(0, matrix);

        // Act
        var names = booster.GetFeatureNames();

        // Assert
        Assert.That(names, Is.Empty);
    }

    [TestCase("model.bin")]
    [TestCase("model")]
    [TestCase("model.deprecated")]
    public void Saving_to_a_name_without_json_or_ubj_throws_XGBoostException(string name)
    {
        // Act
        var failure = Assert.Throws<XGBoostException>(() => _booster.SaveModel(_directory.File(name)));

        // Assert
        Assert.That(failure!.Message, Does.Contain(".json or .ubj"));
    }

    [Test]
    public void Loading_a_name_without_json_or_ubj_throws_XGBoostException()
    {
        // Arrange
        var path = _directory.File("legacy.model");
        File.WriteAllBytes(path, _booster.SaveModelToBuffer(ModelFormat.Ubjson));

        // Act
        var failure = Assert.Throws<XGBoostException>(() => Booster.LoadModel(path));

        // Assert
        Assert.That(failure!.Message, Does.Contain("deprecated binary format is not supported"));
    }

    [Test]
    public void Loading_a_missing_file_throws_FileNotFoundException() =>
        Assert.That(() => Booster.LoadModel(_directory.File("absent.ubj")), Throws.TypeOf<FileNotFoundException>());

    [Test]
    public void Saving_over_an_existing_model_replaces_it_and_leaves_no_temporary_file()
    {
        // Arrange
        using var directory = new TemporaryDirectory();
        var path = directory.File("model.ubj");
        File.WriteAllText(path, "an older model");

        // Act
        _booster.SaveModel(path);

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllBytes(path), Is.EqualTo(_booster.SaveModelToBuffer(ModelFormat.Ubjson)));
            Assert.That(Directory.GetFiles(directory.Path), Has.Length.EqualTo(1));
        });
    }

    [Test]
    public void The_library_is_the_expected_xgboost()
    {
        // Act
        var version = XGBoostLibrary.Version;

        // Assert: the cross-checks and the workarounds in this library are measured against 1.7.
        Assert.That(version, Is.GreaterThanOrEqualTo(new Version(1, 7, 0)).And.LessThan(new Version(1, 8, 0)));
    }

    private float[] Scores(Booster booster)
    {
        var scores = new float[_rows.Rows];
        booster.PredictDense(_rows.Features, _rows.Rows, _rows.Columns, scores);
        return scores;
    }
}
