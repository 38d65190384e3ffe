using System.Diagnostics.Metrics;
using FraudStream.Core.Models;
using FraudStream.Registry;
using FraudStream.Registry.Stores;
using FraudStream.Serving;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FraudStream.IntegrationTests.Scoring;

/// <summary>Hot reload: a promoted version is swapped in; a bad one is refused and the current model keeps serving.</summary>
[TestFixture]
public sealed class ProductionModelFollowerTests
{
    private string _directory = "";
    private ModelRegistry _registry = null!;
    private LiveModel _live = null!;
    private ModelMetrics _metrics = null!;
    private ProductionModelFollower _follower = null!;
    private MeterListener _listener = null!;
    private readonly List<string> _refusals = [];
    private StopRecordingLifetime _lifetime = null!;

    [SetUp]
    public async Task CreateFollower()
    {
        _directory = await TestModels.CopyAsync();
        _registry = new ModelRegistry(new LocalDirectoryModelStore(_directory));
        _live = new LiveModel();
        _lifetime = new StopRecordingLifetime();
        _metrics = new ModelMetrics(_live, new ChallengerModel());
        _follower = new ProductionModelFollower(
            _registry, _live, _metrics, Options.Create(new ModelFollowerOptions()), TimeProvider.System, _lifetime, NullLogger<ProductionModelFollower>.Instance);
        _refusals.Clear();
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "fraudstream_model_refusals")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            lock (_refusals)
            {
                _refusals.Add((string)tags.ToArray().Single(t => t.Key == "reason").Value!);
            }
        });
        _listener.Start();
    }

    [TearDown]
    public void DisposeFollower()
    {
        _listener.Dispose();
        _follower.Dispose();
        _metrics.Dispose();
        _live.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Test]
    public async Task The_production_version_is_loaded_and_a_promoted_one_replaces_it()
    {
        // Act
        await _follower.CheckNowAsync();
        var first = _live.Version;
        await _registry.PromoteAsync(await TestModels.SecondAsync(), "test");
        await _follower.CheckNowAsync();

        // Assert
        Assert.That(first, Is.EqualTo(await TestModels.FirstAsync()));
        Assert.That(_live.Version, Is.EqualTo(await TestModels.SecondAsync()));
        Assert.That(_refusals, Is.Empty);
    }

    [Test]
    public async Task A_version_failing_its_checksum_is_refused_and_the_current_model_keeps_serving()
    {
        // Arrange: promote the second version, then damage its model file behind the registry's back.
        await _follower.CheckNowAsync();
        var second = await TestModels.SecondAsync();
        await _registry.PromoteAsync(second, "test");
        var modelFile = Path.Combine(_directory, "models", second, "model.ubj");
        var bytes = await File.ReadAllBytesAsync(modelFile);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(modelFile, bytes);

        // Act
        await _follower.CheckNowAsync();
        await _follower.CheckNowAsync(); // refused once, not at every poll

        // Assert
        Assert.That(_live.Version, Is.EqualTo(await TestModels.FirstAsync()));
        Assert.That(_refusals, Is.EqualTo(new[] { "checksum" }));
        Assert.That(_live.TryAcquire(out var lease), Is.True);
        using (lease)
        {
            Assert.That(lease.Model.Version, Is.EqualTo(await TestModels.FirstAsync()), "the current model still scores");
        }
    }

    [Test]
    public async Task A_version_needing_features_the_pipeline_cannot_produce_is_refused()
    {
        // Arrange: a correctly published version whose metadata asks for an unknown feature.
        await _follower.CheckNowAsync();
        var (metadata, model) = await _registry.LoadAsync(await TestModels.SecondAsync());
        var names = metadata.Pipeline.FeatureNames.ToList();
        names[0] = "velocity_last_hour";
        await PublishAndPromoteAsync(metadata with { Version = "20261103_120000", Pipeline = metadata.Pipeline with { FeatureNames = names } }, model);

        // Act
        await _follower.CheckNowAsync();

        // Assert
        Assert.That(_live.Version, Is.EqualTo(await TestModels.FirstAsync()));
        Assert.That(_refusals, Is.EqualTo(new[] { "incompatible_features" }));
    }

    [Test]
    public async Task A_version_whose_model_does_not_load_is_refused_and_a_later_good_promotion_is_taken()
    {
        // Arrange: bytes that pass the checksum (it was computed over them) but are no XGBoost model.
        await _follower.CheckNowAsync();
        var (metadata, _) = await _registry.LoadAsync(await TestModels.SecondAsync());
        byte[] garbage = [.. "{\"learner\": 42}"u8];
        await PublishAndPromoteAsync(metadata with { Version = "20261104_120000", ModelSha256 = ModelRegistry.Sha256Hex(garbage) }, garbage);

        // Act
        await _follower.CheckNowAsync();
        var afterBad = _live.Version;
        await _registry.PromoteAsync(await TestModels.SecondAsync(), "fixed");
        await _follower.CheckNowAsync();

        // Assert
        Assert.That(afterBad, Is.EqualTo(await TestModels.FirstAsync()));
        Assert.That(_refusals, Is.EqualTo(new[] { "load_failed" }));
        Assert.That(_live.Version, Is.EqualTo(await TestModels.SecondAsync()));
    }

    [TestCaseSource(typeof(HostileModel), nameof(HostileModel.All))]
    public async Task A_hostile_version_is_refused_with_its_reason_and_the_current_model_keeps_serving(HostileModel hostile)
    {
        // Arrange: a good model serves, then the alias is pointed at the hostile version behind the registry's checks.
        await _follower.CheckNowAsync();
        await hostile.PublishAsync(_directory, await TestModels.SecondAsync());
        await HostileModel.WriteProductionAliasAsync(_directory, hostile.Version, await TestModels.FirstAsync());

        // Act
        await _follower.CheckNowAsync();
        await _follower.CheckNowAsync(); // refused once, not at every poll

        // Assert
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_live.Version, Is.EqualTo(await TestModels.FirstAsync()));
            Assert.That(_refusals, Is.EqualTo(new[] { hostile.Reason }));
            Assert.That(_follower.CannotServe, Is.Null);
            Assert.That(_lifetime.Stopped, Is.False, "a process that serves keeps running");
        }
    }

    [Test]
    public async Task A_hostile_production_version_with_no_model_serving_stops_the_process_saying_why()
    {
        // Arrange: a fresh start whose only production version cannot be served.
        var hostile = HostileModel.All[0];
        await hostile.PublishAsync(_directory, await TestModels.SecondAsync());
        await HostileModel.WriteProductionAliasAsync(_directory, hostile.Version);

        // Act
        await _follower.CheckNowAsync();

        // Assert
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_live.Version, Is.Null);
            Assert.That(_lifetime.Stopped, Is.True);
            Assert.That(_follower.CannotServe, Does.Contain(hostile.Version).And.Contain("bad_metadata"));
        }
    }

    [Test]
    public async Task An_alias_naming_a_version_published_later_is_taken_once_it_is_published()
    {
        // Arrange: the alias names a version whose publishing has not finished (its folder has no metadata yet).
        await _follower.CheckNowAsync();
        var later = HostileModel.All[0].Version;
        await HostileModel.WriteProductionAliasAsync(_directory, later, await TestModels.FirstAsync());
        await _follower.CheckNowAsync();
        var whileMissing = _live.Version;

        // Act: the version appears (a copy of the second model under the later name).
        var (metadata, model) = await _registry.LoadAsync(await TestModels.SecondAsync());
        await _registry.PublishAsync(metadata with { Version = later }, model, "test report");
        await _follower.CheckNowAsync();

        // Assert
        using (Assert.EnterMultipleScope())
        {
            Assert.That(whileMissing, Is.EqualTo(await TestModels.FirstAsync()));
            Assert.That(_live.Version, Is.EqualTo(later));
            Assert.That(_lifetime.Stopped, Is.False);
        }
    }

    private async Task PublishAndPromoteAsync(ModelMetadata metadata, byte[] model)
    {
        await _registry.PublishAsync(metadata, model, "test report");
        await _registry.PromoteAsync(metadata.Version, "test");
    }
}

/// <summary>An application lifetime that only records a stop request.</summary>
internal sealed class StopRecordingLifetime : IHostApplicationLifetime
{
    public bool Stopped { get; private set; }

    public CancellationToken ApplicationStarted => CancellationToken.None;

    public CancellationToken ApplicationStopping => CancellationToken.None;

    public CancellationToken ApplicationStopped => CancellationToken.None;

    public void StopApplication() => Stopped = true;
}
