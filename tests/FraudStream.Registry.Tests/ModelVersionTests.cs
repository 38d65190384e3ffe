namespace FraudStream.Registry.Tests;

public sealed class ModelVersionTests
{
    [Test]
    public void Create_FormatsTheProvidersUtcTime()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 3, 14, 10, 30, 5, 999, TimeSpan.FromHours(1)));

        var version = ModelVersion.Create(clock);

        Assert.That(version, Is.EqualTo("20260314_093005"));
    }

    [TestCase("20260314_093005")]
    [TestCase("19991231_235959")]
    [TestCase("20240229_000000")]
    public void IsValid_AcceptsRealUtcTimes(string version)
    {
        Assert.That(ModelVersion.IsValid(version), Is.True);
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("latest")]
    [TestCase("20260314093005")]
    [TestCase("20260314-093005")]
    [TestCase("20260314_09300")]
    [TestCase(" 20260314_093005")]
    [TestCase("20260314_093005 ")]
    [TestCase("20260230_000000")]
    [TestCase("20261314_000000")]
    [TestCase("20260314_246000")]
    [TestCase("2026031４_093005")]
    public void IsValid_RefusesAnythingElse(string? version)
    {
        Assert.That(ModelVersion.IsValid(version), Is.False);
    }

    [Test]
    public void TryParse_ReturnsTheUtcTime()
    {
        var parsed = ModelVersion.TryParse("20260314_093005", out var timestamp);

        Assert.That(parsed, Is.True);
        Assert.That(timestamp, Is.EqualTo(new DateTimeOffset(2026, 3, 14, 9, 30, 5, TimeSpan.Zero)));
        Assert.That(timestamp.Offset, Is.EqualTo(TimeSpan.Zero));
    }

    [Test]
    public void Versions_SortChronologicallyAsText()
    {
        var times = new[] { new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 12, 31, 23, 59, 59, TimeSpan.Zero), new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero) };

        var sorted = times.Select(ModelVersion.FromTimestamp).Order(StringComparer.Ordinal);

        Assert.That(sorted, Is.EqualTo(times.Order().Select(ModelVersion.FromTimestamp)));
    }

    [Test]
    public void Validate_SaysWhatAVersionLooksLike()
    {
        var error = Assert.Throws<ArgumentException>(() => ModelVersion.Validate("2026-03-14"));

        Assert.That(error!.Message, Does.StartWith("'2026-03-14' is not a model version: versions are the UTC publish time as YYYYMMDD_HHMMSS, e.g. 20260314_093000."));
    }
}
