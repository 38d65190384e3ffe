using System.Net;
using FraudStream.Cli.Retraining;
using FraudStream.Registry;
using FraudStream.Registry.Stores;

namespace FraudStream.Cli.Tests.Retraining;

/// <summary>The retraining triggers against a registry, a label count and drift readings the tests set.</summary>
[TestFixture]
public sealed class RetrainTriggersTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 6, 3, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset s_dataEnd = new(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);
    private DirectoryInfo _scratch = null!;
    private ModelRegistry _registry = null!;

    [SetUp]
    public void CreateRegistry()
    {
        _scratch = Directory.CreateTempSubdirectory("fraudstream-retrain-triggers-");
        _registry = new ModelRegistry(new LocalDirectoryModelStore(_scratch.FullName), new FixedTime(s_now));
    }

    [TearDown]
    public void DeleteRegistry() => _scratch.Delete(recursive: true);

    [Test]
    public async Task The_schedule_fires_once_the_newest_model_is_as_old_as_the_interval()
    {
        await PublishAsync("20261129_030000", s_now.AddDays(-7), production: true);

        var due = await CheckAsync(new RetrainTriggerSettings(TimeSpan.FromDays(7), null, null));
        var early = await CheckAsync(new RetrainTriggerSettings(TimeSpan.FromDays(7.5), null, null));

        Assert.Multiple(() =>
        {
            Assert.That(due.Single().Fired, Is.True, due.Single().ToString());
            Assert.That(due.Single().Why, Does.Contain("newest model 20261129_030000 is 7 d old"));
            Assert.That(early.Single().Fired, Is.False, early.Single().ToString());
        });
    }

    [Test]
    public async Task New_labels_count_from_where_the_newest_models_training_data_ends()
    {
        await PublishAsync("20261101_030000", s_now.AddDays(-35), production: true, windowEnd: s_dataEnd.AddDays(-30));
        await PublishAsync("20261121_030000", s_now.AddDays(-15), production: false, windowEnd: s_dataEnd);
        var labels = new FakeLabels(500);

        var enough = await CheckAsync(new RetrainTriggerSettings(null, 500, null), labels);
        var notEnough = await CheckAsync(new RetrainTriggerSettings(null, 501, null), labels);

        Assert.Multiple(() =>
        {
            Assert.That(labels.AskedAfter, Is.EqualTo(s_dataEnd), "counted after the newest model's window, not production's");
            Assert.That(enough.Single().Fired, Is.True, enough.Single().ToString());
            Assert.That(enough.Single().Why, Does.StartWith("500 labels known after 2026-11-20T00:00:00.000Z"));
            Assert.That(notEnough.Single().Fired, Is.False);
        });
    }

    [Test]
    public async Task Drift_fires_above_the_limit_for_production_and_not_while_a_challenger_is_judged()
    {
        await PublishAsync("20261101_030000", s_now.AddDays(-35), production: true);
        await PublishAsync("20261121_030000", s_now.AddDays(-15), production: false);
        var drift = new FakeDrift(0.3);
        var settings = new RetrainTriggerSettings(null, null, 0.25);

        var above = await CheckAsync(settings, drift: drift);
        var below = await CheckAsync(settings with { DriftAbove = 0.3 }, drift: drift);
        await _registry.ChallengeAsync("20261121_030000", "test");
        var judging = await CheckAsync(settings, drift: drift);

        Assert.Multiple(() =>
        {
            Assert.That(drift.AskedFor, Is.EqualTo("20261101_030000"), "drift is production's");
            Assert.That(above.Single().Fired, Is.True, above.Single().ToString());
            Assert.That(above.Single().Why, Does.Contain("largest PSI 0.300"));
            Assert.That(below.Single().Fired, Is.False, "above the limit, not at it");
            Assert.That(judging.Single().Fired, Is.False, judging.Single().ToString());
            Assert.That(judging.Single().Why, Does.Contain("challenger 20261121_030000 is being judged"));
        });
    }

    [Test]
    public async Task An_empty_registry_fires_the_schedule_and_counts_every_label()
    {
        var labels = new FakeLabels(3);

        var verdicts = await CheckAsync(new RetrainTriggerSettings(TimeSpan.FromDays(1), 1, null), labels);

        Assert.Multiple(() =>
        {
            Assert.That(verdicts.Select(v => v.Fired), Is.EqualTo(new[] { true, true }));
            Assert.That(labels.AskedAfter, Is.EqualTo(DateTimeOffset.MinValue));
        });
    }

    [Test]
    public async Task The_drift_probe_takes_the_largest_psi_of_the_model_and_no_answer_is_no_signal()
    {
        const string Scrape = """
            fraudstream_feature_psi{model_version="A",feature="amount"} 0.12
            fraudstream_feature_psi{model_version="B",feature="amount"} 0.90
            fraudstream_score_psi{model_version="A"} 0.34
            fraudstream_feature_psi{model_version="A",feature="hour_of_day"} NaN
            """;
        using var http = new HttpClient(new StubHandler(request =>
            request.RequestUri!.Host == "scorer-0" ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(Scrape) }
            : throw new HttpRequestException("connection refused")));
        var probe = new DriftProbe(http, [new Uri("http://scorer-0:9464/metrics"), new Uri("http://scorer-1:9464/metrics")]);

        var a = await probe.ReadAsync("A", CancellationToken.None);
        var c = await probe.ReadAsync("C", CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(a.Psi, Is.EqualTo(0.34));
            Assert.That(a.Where, Is.EqualTo("the score at http://scorer-0:9464/metrics"));
            Assert.That(c.Psi, Is.Null, "no series for the model: no signal");
            Assert.That(c.Where, Does.Contain("has no fraudstream_feature_psi or fraudstream_score_psi for model C").And.Contain("scorer-1:9464/metrics did not answer"));
        });
    }

    private Task<IReadOnlyList<TriggerVerdict>> CheckAsync(RetrainTriggerSettings settings, FakeLabels? labels = null, FakeDrift? drift = null) =>
        new RetrainTriggers(settings, _registry, labels ?? new FakeLabels(0), drift ?? new FakeDrift(null), new FixedTime(s_now)).CheckAsync(CancellationToken.None);

    private Task PublishAsync(string version, DateTimeOffset createdAt, bool production, DateTimeOffset? windowEnd = null) =>
        StandInModel.PublishAsync(_registry, version, createdAt, production, windowEnd);

    private sealed class FakeLabels(long count) : INewLabelCounter
    {
        public DateTimeOffset? AskedAfter { get; private set; }

        public Task<(long Count, string? Note)> CountAfterAsync(DateTimeOffset after, CancellationToken cancellation)
        {
            AskedAfter = after;
            return Task.FromResult<(long, string?)>((count, null));
        }
    }

    private sealed class FakeDrift(double? psi) : IDriftSource
    {
        public string? AskedFor { get; private set; }

        public Task<DriftReading> ReadAsync(string modelVersion, CancellationToken cancellation)
        {
            AskedFor = modelVersion;
            return Task.FromResult(new DriftReading(psi, psi is null ? "no signal" : "feature amount at test"));
        }
    }

    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(answer(request));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
