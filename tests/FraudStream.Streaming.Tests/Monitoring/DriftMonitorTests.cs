using FraudStream.Core.Models;
using FraudStream.Streaming.ExactlyOnce;
using FraudStream.Streaming.Monitoring;
using FraudStream.Streaming.Telemetry;
using Microsoft.Extensions.Options;

namespace FraudStream.Streaming.Tests.Monitoring;

/// <summary>
/// PSI of live traffic against a model's reference, over a sliding window: traffic drawn from the reference itself, and the
/// same traffic with one feature moved. The model has four columns; hour_of_day has no reference (a calendar feature).
/// </summary>
public sealed class DriftMonitorTests
{
    private const string Version = "20260301_000000";
    private static readonly DateTimeOffset s_start = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero); // a step boundary
    private static readonly string[] s_columns = ["amount", "channel_pos", "distance_from_home_km", "hour_of_day"];

    private static readonly BinnedDistribution s_amount = new([10, 20, 30, 40, 50, 60, 70, 80, 90], [.. Enumerable.Repeat(0.1, 10)], 0);
    private static readonly BinnedDistribution s_channelPos = new([1], [0.7, 0.3], 0);
    private static readonly BinnedDistribution s_distance = new([5, 20], [0.3, 0.4, 0.2], 0.1);
    private static readonly BinnedDistribution s_score = new([0.05f, 0.2f, 0.5f], [0.7, 0.2, 0.07, 0.03], 0);

    private static readonly ModelMetadata s_model = MadeUpMetadata.Create(Version, new string('b', 64), s_columns) with
    {
        DriftReference = new DriftReference(
            10_000,
            [new("amount", s_amount), new("channel_pos", s_channelPos), new("distance_from_home_km", s_distance)],
            2_000,
            s_score),
    };

    private ManualTimeProvider _clock = null!;
    private ScorerMetrics _metrics = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new ManualTimeProvider(s_start);
        _metrics = new ScorerMetrics();
    }

    [TearDown]
    public void TearDown() => _metrics.Dispose();

    [Test]
    public void Traffic_drawn_from_the_reference_has_a_PSI_near_zero_for_every_feature_and_the_score()
    {
        var monitor = Monitor();

        Feed(monitor, Traffic(20_000, seed: 1));

        var reading = monitor.Read().Single();
        TestContext.Progress.WriteLine($"as the reference: score {reading.ScorePsi:0.0000}, " + string.Join(", ", reading.FeaturePsi.Select(p => $"{p.Key} {p.Value:0.0000}")));
        Assert.Multiple(() =>
        {
            Assert.That(reading.ModelVersion, Is.EqualTo(Version));
            Assert.That(reading.Rows, Is.EqualTo(20_000));
            Assert.That(reading.FeaturePsi.Select(f => f.Key), Is.EqualTo(new[] { "amount", "channel_pos", "distance_from_home_km" }));
            Assert.That(reading.FeaturePsi.Select(f => f.Value), Has.All.LessThan(0.02));
            Assert.That(reading.ScorePsi, Is.LessThan(0.02));
        });
    }

    [Test]
    public void Amounts_five_times_larger_drift_the_amount_and_leave_the_other_features_stable()
    {
        var monitor = Monitor();

        Feed(monitor, AmountsTimesFive(Traffic(20_000, seed: 2)));

        var psi = monitor.Read().Single().FeaturePsi.ToDictionary();
        TestContext.Progress.WriteLine("amounts x5: " + string.Join(", ", psi.Select(p => $"{p.Key} {p.Value:0.0000}")));
        Assert.Multiple(() =>
        {
            Assert.That(psi["amount"], Is.GreaterThan(0.25));
            Assert.That(psi["channel_pos"], Is.LessThan(0.02));
            Assert.That(psi["distance_from_home_km"], Is.LessThan(0.02));
        });
    }

    [Test]
    public void A_missing_value_share_that_grows_is_drift()
    {
        var monitor = Monitor();
        var traffic = Traffic(20_000, seed: 3);
        for (var r = 0; r < traffic.Rows; r += 3)
        {
            traffic.Features[(r * s_columns.Length) + 2] = float.NaN; // a third of the rows lose their coordinates
        }

        Feed(monitor, traffic);

        Assert.That(monitor.Read().Single().FeaturePsi.ToDictionary()["distance_from_home_km"], Is.GreaterThan(0.25));
    }

    [Test]
    public void Rows_leave_the_window_once_it_has_slid_past_them()
    {
        var monitor = Monitor();

        // Arrange: normal traffic now, shifted traffic 12 h later.
        Feed(monitor, Traffic(5_000, seed: 5));
        _clock.Advance(TimeSpan.FromHours(12));
        Feed(monitor, AmountsTimesFive(Traffic(5_000, seed: 4)));
        var both = monitor.Read().Single();

        // Act: the window (a day) slides past the normal traffic, then past everything.
        _clock.Advance(TimeSpan.FromHours(12) - TimeSpan.FromMinutes(1));
        var stillBoth = monitor.Read().Single();
        _clock.Advance(TimeSpan.FromMinutes(1));
        var shiftedOnly = monitor.Read().Single();
        _clock.Advance(TimeSpan.FromHours(12));
        var gone = monitor.Read();

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(both.Rows, Is.EqualTo(10_000));
            Assert.That(stillBoth.Rows, Is.EqualTo(10_000));
            Assert.That(shiftedOnly.Rows, Is.EqualTo(5_000));
            Assert.That(shiftedOnly.FeaturePsi.ToDictionary()["amount"], Is.GreaterThan(both.FeaturePsi.ToDictionary()["amount"]), "only the shifted rows are left");
            Assert.That(gone, Is.Empty, "a version with no row left in the window is no longer reported");
        });
    }

    [Test]
    public void Below_the_minimum_rows_the_rows_are_reported_but_no_PSI()
    {
        var monitor = Monitor(minimumRows: 1_000);
        var traffic = Traffic(1_000, seed: 6);

        monitor.Observe(s_model, traffic.Features, 999, traffic.Scores);
        var before = monitor.Read().Single();
        monitor.Observe(s_model, traffic.Features.AsSpan(999 * s_columns.Length), 1, traffic.Scores.AsSpan(999));
        var at = monitor.Read().Single();

        Assert.Multiple(() =>
        {
            Assert.That(before.Rows, Is.EqualTo(999));
            Assert.That(before.FeaturePsi, Is.Empty);
            Assert.That(before.ScorePsi, Is.Null);
            Assert.That(at.Rows, Is.EqualTo(1_000));
            Assert.That(at.FeaturePsi, Has.Count.EqualTo(3));
            Assert.That(at.ScorePsi, Is.Not.Null);
        });
    }

    [Test]
    public void Each_model_version_is_measured_against_its_own_reference()
    {
        var monitor = Monitor();
        var other = s_model with { Version = "20260301_120000" };
        var traffic = Traffic(5_000, seed: 7);

        Feed(monitor, traffic);
        monitor.Observe(other, traffic.Features, 2_000, traffic.Scores);

        var readings = monitor.Read().ToDictionary(r => r.ModelVersion);
        Assert.That(readings.Keys, Is.EquivalentTo(new[] { Version, "20260301_120000" }));
        Assert.That(readings["20260301_120000"].Rows, Is.EqualTo(2_000));
    }

    [Test]
    public void A_version_prepared_before_its_first_batch_is_reported_with_no_rows_and_then_counted_as_usual()
    {
        var untracked = Monitor(track: false);
        var monitor = Monitor();
        var traffic = Traffic(2_000, seed: 9);

        untracked.Prepare(s_model);
        monitor.Prepare(s_model);
        var prepared = monitor.Read().Single();
        Feed(monitor, traffic);
        var fed = monitor.Read().Single();

        Assert.Multiple(() =>
        {
            Assert.That(untracked.Read(), Is.Empty, "nothing is set up with tracking off");
            Assert.That(prepared.ModelVersion, Is.EqualTo(Version));
            Assert.That(prepared.Rows, Is.Zero);
            Assert.That(prepared.FeaturePsi, Is.Empty);
            Assert.That(fed.Rows, Is.EqualTo(2_000));
            Assert.That(fed.FeaturePsi, Has.Count.EqualTo(3));
        });
    }

    [Test]
    public void A_model_without_a_reference_or_with_tracking_off_is_not_measured()
    {
        var untracked = Monitor(track: false);
        var monitor = Monitor();
        var traffic = Traffic(2_000, seed: 8);

        untracked.Observe(s_model, traffic.Features, traffic.Rows, traffic.Scores);
        monitor.Observe(s_model with { DriftReference = null }, traffic.Features, traffic.Rows, traffic.Scores);

        Assert.That(untracked.Read(), Is.Empty);
        Assert.That(monitor.Read(), Is.Empty);
    }

    [Test]
    public void A_reference_feature_that_is_not_a_column_of_the_model_is_not_measured()
    {
        var monitor = Monitor();
        var reference = s_model.DriftReference!;
        var renamed = s_model with
        {
            DriftReference = reference with { Features = [.. reference.Features.Select(f => f.Name == "amount" ? f with { Name = "velocity" } : f)] },
        };
        var traffic = Traffic(2_000, seed: 10);

        monitor.Observe(renamed, traffic.Features, traffic.Rows, traffic.Scores);

        Assert.That(monitor.Read().Single().FeaturePsi.Select(f => f.Key), Is.EqualTo(new[] { "channel_pos", "distance_from_home_km" }));
    }

    [Test]
    public void A_batch_that_does_not_fit_its_model_is_not_counted_and_does_not_throw()
    {
        var monitor = Monitor();
        var traffic = Traffic(100, seed: 9);

        Assert.DoesNotThrow(() => monitor.Observe(s_model, traffic.Features.AsSpan(0, 10), traffic.Rows, traffic.Scores));
        Assert.DoesNotThrow(() => monitor.Observe(s_model, traffic.Features, traffic.Rows, traffic.Scores.AsSpan(0, 10)));

        Assert.That(monitor.Read().SingleOrDefault()?.Rows ?? 0, Is.Zero);
    }

    [Test]
    public void Bad_drift_settings_are_refused_at_start()
    {
        var valid = new ScorerOptions { BootstrapServers = "k:9092", TransactionalId = "t" };
        var validator = new ScorerOptionsValidator();

        Assert.Multiple(() =>
        {
            Assert.That(validator.Validate(null, valid).Succeeded, Is.True);
            Assert.That(
                validator.Validate(null, new ScorerOptions { BootstrapServers = "k:9092", TransactionalId = "t", DriftWindow = TimeSpan.FromSeconds(30) }).Failures,
                Is.EqualTo(new[] { "Scorer:DriftWindow must be between 1 min and 90 days, not 00:00:30." }));
            Assert.That(
                validator.Validate(null, new ScorerOptions { BootstrapServers = "k:9092", TransactionalId = "t", DriftMinimumRows = 0 }).Failures,
                Is.EqualTo(new[] { "Scorer:DriftMinimumRows must be a whole number from 1 to 1000000000, not 0." }));
        });
    }

    private DriftMonitor Monitor(int minimumRows = 1_000, bool track = true) =>
        new(Options.Create(new ScorerOptions { TrackDrift = track, DriftWindow = TimeSpan.FromDays(1), DriftMinimumRows = minimumRows }), _metrics, _clock);

    /// <summary>Feeds traffic in batches of 500, as the scorer would.</summary>
    private static void Feed(DriftMonitor monitor, (float[] Features, float[] Scores, int Rows) traffic)
    {
        const int batch = 500;
        var width = s_columns.Length;
        for (var first = 0; first < traffic.Rows; first += batch)
        {
            var rows = Math.Min(batch, traffic.Rows - first);
            monitor.Observe(s_model, traffic.Features.AsSpan(first * width, rows * width), rows, traffic.Scores.AsSpan(first, rows));
        }
    }

    /// <summary>Rows whose features and scores follow the reference: each value falls in a bin with the bin's reference share.</summary>
    private static (float[] Features, float[] Scores, int Rows) Traffic(int rows, int seed)
    {
        var random = new Random(seed);
        var features = new float[rows * s_columns.Length];
        var scores = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            var row = features.AsSpan(r * s_columns.Length, s_columns.Length);
            row[0] = Draw(s_amount, random, 0, 100);
            row[1] = Draw(s_channelPos, random, 0, 1);
            row[2] = Draw(s_distance, random, 0, 100);
            row[3] = random.Next(24);
            scores[r] = Draw(s_score, random, 0, 1);
        }

        return (features, scores, rows);
    }

    private static (float[] Features, float[] Scores, int Rows) AmountsTimesFive((float[] Features, float[] Scores, int Rows) traffic)
    {
        for (var r = 0; r < traffic.Rows; r++)
        {
            traffic.Features[r * s_columns.Length] *= 5;
        }

        return traffic;
    }

    /// <summary>A value of <paramref name="bins"/>: a bin drawn by its share, then a value inside it (from <paramref name="low"/> up to <paramref name="high"/> at the ends).</summary>
    private static float Draw(BinnedDistribution bins, Random random, float low, float high)
    {
        var u = random.NextDouble();
        for (var b = 0; b < bins.Proportions.Count; b++)
        {
            u -= bins.Proportions[b];
            if (u < 0)
            {
                var from = b == 0 ? low : bins.Edges[b - 1];
                var to = b == bins.Edges.Count ? high : bins.Edges[b];
                return from == to ? from : from + ((to - from) * (float)random.NextDouble());
            }
        }

        return float.NaN;
    }
}
