using System.Text;
using System.Text.Json;
using FraudStream.Core.Models;
using FraudStream.Registry.Stores;
using FraudStream.Registry.Tests.Infrastructure;

namespace FraudStream.Registry.Tests;

/// <summary>What the registry promises, checked on every store.</summary>
[TestFixture(StoreKind.LocalDirectory)]
[TestFixture(StoreKind.S3)]
public sealed class ModelRegistryContractTests(StoreKind kind)
{
    private static readonly DateTimeOffset Start = new(2026, 3, 14, 9, 30, 0, TimeSpan.Zero);

    private StoreBackend _backend = null!;
    private IModelStore _store = null!;
    private ManualTimeProvider _clock = null!;
    private ModelRegistry _registry = null!;

    [OneTimeSetUp]
    public async Task StartBackend() => _backend = await StoreBackend.StartAsync(kind);

    [OneTimeTearDown]
    public async Task StopBackend() => await _backend.DisposeAsync();

    [SetUp]
    public void CreateRegistry()
    {
        _store = _backend.CreateEmptyStore();
        _clock = new ManualTimeProvider(Start);
        _registry = new ModelRegistry(_store, _clock);
    }

    [Test]
    public async Task GetProduction_BeforeAnyPromotion_IsNull()
    {
        var production = await _registry.GetProductionAsync();

        Assert.That(production, Is.Null);
    }

    [Test]
    public async Task ListVersions_OfAnEmptyStore_IsEmpty()
    {
        var versions = await _registry.ListVersionsAsync();

        Assert.That(versions, Is.Empty);
    }

    [Test]
    public async Task Publish_WritesModelReportAndMetadata_AndListsTheVersion()
    {
        var (metadata, bytes) = NextModel();

        await _registry.PublishAsync(metadata, bytes, TestModels.Report);

        var keys = await _store.ListAsync(RegistryLayout.VersionPrefix(metadata.Version));
        Assert.That(keys, Is.EquivalentTo(new[]
        {
            RegistryLayout.ModelKey(metadata.Version, "model.ubj"),
            RegistryLayout.ReportKey(metadata.Version),
            RegistryLayout.MetadataKey(metadata.Version),
        }));
        Assert.That(await _registry.ListVersionsAsync(), Is.EqualTo(new[] { metadata.Version }));
        Assert.That(await _registry.GetMetadataAsync(metadata.Version), Is.EqualTo(metadata).Using<ModelMetadata>(SameJson));
        Assert.That(await _store.GetAsync(RegistryLayout.ReportKey(metadata.Version)), Is.EqualTo(Encoding.UTF8.GetBytes(TestModels.Report)));
    }

    [Test]
    public async Task ListVersions_ReturnsNewestFirst()
    {
        var versions = new[] { "20260102_000000", "20251231_235959", "20260314_093000", "20260101_120000" };
        foreach (var version in versions)
        {
            var (metadata, bytes) = TestModels.Create(version);
            await _registry.PublishAsync(metadata, bytes, TestModels.Report);
        }

        var listed = await _registry.ListVersionsAsync();

        Assert.That(listed, Is.EqualTo(new[] { "20260314_093000", "20260102_000000", "20260101_120000", "20251231_235959" }));
    }

    [Test]
    public async Task ListVersions_SkipsAVersionWhosePublishingStoppedBeforeTheMetadata()
    {
        var (complete, completeBytes) = NextModel();
        await _registry.PublishAsync(complete, completeBytes, TestModels.Report);
        var (interrupted, interruptedBytes) = NextModel();
        await _store.PutAsync(RegistryLayout.ModelKey(interrupted.Version, interrupted.ModelFile), interruptedBytes);
        await _store.PutAsync(RegistryLayout.ReportKey(interrupted.Version), "partial"u8.ToArray());

        var versions = await _registry.ListVersionsAsync();

        Assert.That(versions, Is.EqualTo(new[] { complete.Version }));
    }

    [Test]
    public async Task PublishPromotePublishPromote_ThenRollback_ReturnsToTheFirstVersion()
    {
        var (first, firstBytes) = NextModel();
        await _registry.PublishAsync(first, firstBytes, TestModels.Report);
        Assert.That(await _registry.ListVersionsAsync(), Is.EqualTo(new[] { first.Version }));
        await _registry.PromoteAsync(first.Version, "first model");
        var (second, secondBytes) = NextModel();
        await _registry.PublishAsync(second, secondBytes, TestModels.Report);
        var promoted = await _registry.PromoteAsync(second.Version, "better PR AUC");
        Assert.That(promoted.Version, Is.EqualTo(second.Version));
        Assert.That(promoted.Previous, Is.EqualTo(new[] { first.Version }));

        var rolledBack = await _registry.RollbackAsync();

        Assert.That(rolledBack.Version, Is.EqualTo(first.Version));
        Assert.That(rolledBack.Previous, Is.Empty);
        var production = await _registry.GetProductionAsync();
        Assert.That(production, Is.Not.Null);
        Assert.That(production!.Version, Is.EqualTo(first.Version));
        Assert.That(production.Reason, Is.EqualTo($"rollback from {second.Version}"));
        var (metadata, bytes) = await _registry.LoadAsync(production.Version);
        Assert.That(metadata.Version, Is.EqualTo(first.Version));
        Assert.That(bytes, Is.EqualTo(firstBytes));
    }

    [Test]
    public async Task Promote_RecordsTimeReasonAndHistoryInProductionJson()
    {
        var (first, _) = await PublishNextAsync();
        await _registry.PromoteAsync(first.Version, "first model");
        var (second, _) = await PublishNextAsync();
        _clock.Advance(TimeSpan.FromHours(1));

        await _registry.PromoteAsync(second.Version, "better recall");

        var json = Encoding.UTF8.GetString(await _store.GetAsync(RegistryLayout.ProductionKey));
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.That(root.GetProperty("version").GetString(), Is.EqualTo(second.Version));
        Assert.That(root.GetProperty("previous").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { first.Version }));
        Assert.That(root.GetProperty("promoted_at").GetDateTimeOffset(), Is.EqualTo(_clock.GetUtcNow()));
        Assert.That(root.GetProperty("reason").GetString(), Is.EqualTo("better recall"));
    }

    [Test]
    public async Task Promote_TheVersionAlreadyInProduction_ChangesNothing()
    {
        var (first, _) = await PublishNextAsync();
        var (second, _) = await PublishNextAsync();
        await _registry.PromoteAsync(first.Version, "first");
        var before = await _registry.PromoteAsync(second.Version, "second");

        var after = await _registry.PromoteAsync(second.Version, "again");

        Assert.That(after, Is.EqualTo(before).Using<ProductionAlias>(SameJson));
        Assert.That((await _registry.GetProductionAsync())!.Previous, Is.EqualTo(new[] { first.Version }));
    }

    [Test]
    public async Task Challenge_SetsTheChallengerAlias_AndWithdrawClearsIt()
    {
        var (first, _) = await PublishNextAsync();
        var (second, _) = await PublishNextAsync();
        await _registry.PromoteAsync(first.Version, "first");
        Assert.That(await _registry.GetChallengerAsync(), Is.Null);

        await _registry.ChallengeAsync(second.Version, "retrained on November");

        var challenger = await _registry.GetChallengerAsync();
        Assert.That(challenger!.Version, Is.EqualTo(second.Version));
        Assert.That(challenger.Reason, Is.EqualTo("retrained on November"));
        Assert.That(challenger.SetAt, Is.EqualTo(_clock.GetUtcNow()));
        Assert.That(await _registry.ClearChallengerAsync("enough"), Is.EqualTo(second.Version));
        Assert.That((await _registry.GetChallengerAsync())!.Version, Is.Null);
        Assert.That(await _registry.ClearChallengerAsync("again"), Is.Null, "nothing to withdraw");
        Assert.That((await _registry.GetProductionAsync())!.Version, Is.EqualTo(first.Version), "production untouched");
    }

    [Test]
    public async Task Promote_TheChallenger_ClearsTheChallengerAlias()
    {
        var (first, _) = await PublishNextAsync();
        var (second, _) = await PublishNextAsync();
        var (third, _) = await PublishNextAsync();
        await _registry.PromoteAsync(first.Version, "first");
        await _registry.ChallengeAsync(second.Version, "try it");

        await _registry.PromoteAsync(third.Version, "another one");
        Assert.That((await _registry.GetChallengerAsync())!.Version, Is.EqualTo(second.Version), "promoting another version keeps the challenger");
        await _registry.PromoteAsync(second.Version, "it won");

        var challenger = await _registry.GetChallengerAsync();
        Assert.That(challenger!.Version, Is.Null);
        Assert.That(challenger.Reason, Is.EqualTo("promoted to production (it won)"));
    }

    [Test]
    public async Task Challenge_TheProductionVersion_IsRefused()
    {
        var (first, _) = await PublishNextAsync();
        await _registry.PromoteAsync(first.Version, "first");

        var error = Assert.ThrowsAsync<ModelRegistryException>(() => _registry.ChallengeAsync(first.Version, "same"));

        Assert.That(error!.Message, Is.EqualTo($"Model {first.Version} is in production; a challenger must be another version."));
        Assert.That(await _registry.GetChallengerAsync(), Is.Null);
    }

    [Test]
    public void Challenge_AnUnknownVersion_SaysItIsNotPublished()
    {
        var error = Assert.ThrowsAsync<ModelNotFoundException>(() => _registry.ChallengeAsync("20300101_000000", "typo"));

        Assert.That(error!.Message, Does.StartWith("Cannot make a challenger of model 20300101_000000: it is not in the "));
    }

    [Test]
    public async Task Challenge_AModelThatFailsItsChecksum_IsRefused()
    {
        var (metadata, _) = await PublishNextAsync();
        await _store.PutAsync(RegistryLayout.ModelKey(metadata.Version, metadata.ModelFile), new byte[] { 1, 2, 3 });

        Assert.ThrowsAsync<CorruptModelException>(() => _registry.ChallengeAsync(metadata.Version, "broken"));
        Assert.That(await _registry.GetChallengerAsync(), Is.Null);
    }

    [Test]
    public async Task A_challenger_alias_that_is_not_json_is_a_registry_error_saying_how_to_rewrite_it()
    {
        await _store.PutAtomicAsync(RegistryLayout.ChallengerKey, Encoding.UTF8.GetBytes("{not json"));

        var error = Assert.ThrowsAsync<ModelRegistryException>(() => _registry.GetChallengerAsync());

        Assert.That(error!.Message, Does.StartWith($"The alias {RegistryLayout.ChallengerKey} in the ").And.EndWith("set or clear the challenger to rewrite it."));
    }

    [Test]
    public void Rollback_WithNoProduction_SaysToPromoteFirst()
    {
        var error = Assert.ThrowsAsync<ModelRegistryException>(() => _registry.RollbackAsync());

        Assert.That(error!.Message, Does.Contain("no production model").And.Contain("promote a version first"));
    }

    [Test]
    public async Task Rollback_WithNoPreviousVersion_SaysThereIsNothingToRollBackTo()
    {
        var (only, _) = await PublishNextAsync();
        await _registry.PromoteAsync(only.Version, "first");

        var error = Assert.ThrowsAsync<ModelRegistryException>(() => _registry.RollbackAsync());

        Assert.That(error!.Message, Is.EqualTo(
            $"Production model {only.Version} has no previous version to roll back to; promote the version you want instead."));
        Assert.That((await _registry.GetProductionAsync())!.Version, Is.EqualTo(only.Version));
    }

    [Test]
    public async Task Promote_AnUnknownVersion_SaysItIsNotPublished_AndLeavesProductionAlone()
    {
        var (published, _) = await PublishNextAsync();
        await _registry.PromoteAsync(published.Version, "first");

        var error = Assert.ThrowsAsync<ModelNotFoundException>(() => _registry.PromoteAsync("20300101_000000", "typo"));

        Assert.That(error!.Message, Does.StartWith("Cannot promote model 20300101_000000: it is not in the ").And.EndWith("publish it first or pick a published version."));
        Assert.That((await _registry.GetProductionAsync())!.Version, Is.EqualTo(published.Version));
    }

    [Test]
    public void Promote_SomethingThatIsNotAVersion_SaysWhatAVersionLooksLike()
    {
        var error = Assert.ThrowsAsync<ArgumentException>(() => _registry.PromoteAsync("latest", "typo"));

        Assert.That(error!.Message, Does.StartWith("'latest' is not a model version: versions are the UTC publish time as YYYYMMDD_HHMMSS"));
    }

    [Test]
    public async Task Load_ReturnsTheMetadataAndTheBytesPublished()
    {
        var (metadata, bytes) = await PublishNextAsync();

        var (loadedMetadata, loadedBytes) = await _registry.LoadAsync(metadata.Version);

        Assert.That(loadedMetadata, Is.EqualTo(metadata).Using<ModelMetadata>(SameJson));
        Assert.That(loadedBytes, Is.EqualTo(bytes));
    }

    [Test]
    public async Task Load_AModelWhoseBytesWereTamperedWith_FailsItsChecksum()
    {
        var (metadata, _) = await PublishNextAsync();
        var tampered = "{\"learner\":\"swapped\"}"u8.ToArray();
        await _store.PutAsync(RegistryLayout.ModelKey(metadata.Version, metadata.ModelFile), tampered);
        var actual = ModelRegistry.Sha256Hex(tampered);

        var error = Assert.ThrowsAsync<CorruptModelException>(() => _registry.LoadAsync(metadata.Version));

        Assert.That(error!.Message, Is.EqualTo(
            $"Model {metadata.Version} failed its checksum: expected {metadata.ModelSha256}, got {actual}; re-publish it."));
        Assert.That(error.ExpectedSha256, Is.EqualTo(metadata.ModelSha256));
        Assert.That(error.ActualSha256, Is.EqualTo(actual));
    }

    [Test]
    public async Task Promote_AModelThatFailsItsChecksum_IsRefused()
    {
        var (first, _) = await PublishNextAsync();
        await _registry.PromoteAsync(first.Version, "first");
        var (second, _) = await PublishNextAsync();
        await _store.PutAsync(RegistryLayout.ModelKey(second.Version, second.ModelFile), "garbage"u8.ToArray());

        Assert.ThrowsAsync<CorruptModelException>(() => _registry.PromoteAsync(second.Version, "would break scoring"));

        Assert.That((await _registry.GetProductionAsync())!.Version, Is.EqualTo(first.Version));
    }

    [Test]
    public async Task Publish_WithAShaThatDoesNotMatchTheBytes_IsRefusedAndWritesNothing()
    {
        var (metadata, bytes) = NextModel();
        var wrong = metadata with { ModelSha256 = new string('0', 64) };

        var error = Assert.ThrowsAsync<CorruptModelException>(() => _registry.PublishAsync(wrong, bytes, TestModels.Report));

        Assert.That(error!.Message, Does.StartWith($"Refusing to publish model {metadata.Version}: its metadata records SHA-256 '{wrong.ModelSha256}' but the model bytes hash to {metadata.ModelSha256}"));
        Assert.That(await _store.ListAsync(""), Is.Empty);
    }

    [Test]
    public async Task Publish_AVersionThatIsAlreadyPublished_IsRefused()
    {
        var (metadata, bytes) = await PublishNextAsync();
        var (_, otherBytes) = TestModels.Create("20990101_000000");
        var replacement = metadata with { ModelSha256 = ModelRegistry.Sha256Hex(otherBytes) };

        var error = Assert.ThrowsAsync<ModelVersionExistsException>(() => _registry.PublishAsync(replacement, otherBytes, TestModels.Report));

        Assert.That(error!.Message, Does.Contain($"Model version {metadata.Version} is already published"));
        Assert.That(error.Version, Is.EqualTo(metadata.Version));
        Assert.That((await _registry.LoadAsync(metadata.Version)).ModelBytes, Is.EqualTo(bytes));
    }

    [Test]
    public void Publish_WithAModelFileNameThatIsAPath_IsRefused()
    {
        var (metadata, bytes) = NextModel();

        var error = Assert.ThrowsAsync<ArgumentException>(() => _registry.PublishAsync(metadata with { ModelFile = "../production.json" }, bytes, TestModels.Report));

        Assert.That(error!.Message, Does.Contain("use a plain file name such as model.ubj"));
    }

    [Test]
    public void Load_AnUnknownVersion_SaysItIsNotInTheStore()
    {
        var error = Assert.ThrowsAsync<ModelNotFoundException>(() => _registry.LoadAsync("20300101_000000"));

        Assert.That(error!.Message, Does.StartWith("Model version 20300101_000000 is not in the "));
    }

    [Test]
    public async Task GetProduction_WhenProductionJsonIsNotJson_SaysToPromoteAgain()
    {
        await _store.PutAtomicAsync(RegistryLayout.ProductionKey, "not json"u8.ToArray());

        var error = Assert.ThrowsAsync<ModelRegistryException>(() => _registry.GetProductionAsync());

        Assert.That(error!.Message, Does.Contain("is not valid").And.EndWith("promote a version to rewrite it."));
    }

    [Test]
    public async Task Load_OfAModelFileOverMaxModelBytes_IsRefusedAsTooLarge()
    {
        var (metadata, bytes) = await PublishNextAsync();
        var limited = new ModelRegistry(_store, _clock) { MaxModelBytes = bytes.Length - 1 };

        var error = Assert.ThrowsAsync<UnservableModelException>(() => limited.LoadAsync(metadata.Version));

        Assert.That(error!.Reason, Is.EqualTo("too_large"));
        Assert.That(error.Message, Does.Contain("Model:MaxModelBytes"));
    }

    private (ModelMetadata Metadata, byte[] Bytes) NextModel()
    {
        _clock.Advance(TimeSpan.FromMinutes(1));
        return TestModels.Create(ModelVersion.Create(_clock));
    }

    private async Task<(ModelMetadata Metadata, byte[] Bytes)> PublishNextAsync()
    {
        var (metadata, bytes) = NextModel();
        await _registry.PublishAsync(metadata, bytes, TestModels.Report);
        return (metadata, bytes);
    }

    // Records holding dictionaries and lists compare by reference; their JSON form compares by content.
    private static bool SameJson(ModelMetadata a, ModelMetadata b) => a.ToJson() == b.ToJson();

    private static bool SameJson(ProductionAlias a, ProductionAlias b) => a.ToJson() == b.ToJson();
}
