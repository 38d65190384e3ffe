using FraudStream.Core.Models;
using FraudStream.Registry;
using FraudStream.Streaming.ExactlyOnce;
using FraudStream.Serving;
using FraudStream.Streaming.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FraudStream.Streaming.Monitoring;

/// <summary>A model version's drift over the current window.</summary>
/// <param name="ModelVersion">The version that scored the rows.</param>
/// <param name="Rows">Rows it scored within the window.</param>
/// <param name="ScorePsi">Population stability of its score against its reference; null below the minimum rows.</param>
/// <param name="FeaturePsi">Population stability of each tracked feature (name, PSI); empty below the minimum rows.</param>
public sealed record DriftReading(string ModelVersion, long Rows, double? ScorePsi, IReadOnlyList<KeyValuePair<string, double>> FeaturePsi);

/// <summary>
/// Drift of the scored traffic: each batch's features and scores are counted into the bins of the reference distributions
/// in the scoring model's metadata (<see cref="ModelMetadata.DriftReference"/>), per model version, over a sliding
/// wall-clock window; a reading turns the counts into the population stability index,
/// PSI = Σ (live − reference) · ln(live / reference) over the bins (the missing bin included).
/// </summary>
/// <remarks>
/// The window is kept as <see cref="SubWindows"/> steps of window / <see cref="SubWindows"/>: a batch's counts go into
/// the current step, a reading sums the steps of the last window, so it slides a step at a time and spans between 23/24 of
/// the window and all of it. A share below <see cref="Epsilon"/> counts as Epsilon: a bin empty on one side adds a large
/// but finite term. Fed on the scoring thread and read by the metrics scrape, each version's counts under a lock of their
/// own. Counting does no I/O, allocates only when a version is first seen, and does not throw into the scorer: a batch whose
/// shape does not fit its model is not counted, and a model without a usable reference is logged once and not measured.
/// </remarks>
public sealed partial class DriftMonitor
{
    /// <summary>Steps a window is kept as.</summary>
    public const int SubWindows = 24;

    /// <summary>The smallest share a bin counts with in PSI, live or reference (Evidently's choice): an empty bin's term stays finite.</summary>
    public const double Epsilon = 1e-4;

    /// <summary>Most model versions measured at once (production, a challenger, the ones swapped out within the window); the least recently fed goes first.</summary>
    public const int MaxVersions = 8;

    private readonly List<VersionCounts> _versions = []; // guarded by itself
    private readonly HashSet<string> _unmeasured = new(StringComparer.Ordinal); // guarded by _versions
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _stepTicks;

    /// <summary>Creates the monitor with the Scorer settings (TrackDrift, DriftWindow, DriftMinimumRows) and registers its gauges.</summary>
    public DriftMonitor(IOptions<ScorerOptions> options, ScorerMetrics metrics, TimeProvider time, ILogger<DriftMonitor>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        Enabled = options.Value.TrackDrift;
        Window = options.Value.DriftWindow;
        MinimumRows = options.Value.DriftMinimumRows;
        _stepTicks = Math.Max(1, Window.Ticks / SubWindows);
        _time = time;
        _logger = logger ?? NullLogger<DriftMonitor>.Instance;
        metrics.ObserveDrift(Read);
    }

    /// <summary>Whether batches are counted (Scorer:TrackDrift).</summary>
    public bool Enabled { get; }

    /// <summary>The sliding window (Scorer:DriftWindow).</summary>
    public TimeSpan Window { get; }

    /// <summary>Rows a version needs within the window before its PSI is read (Scorer:DriftMinimumRows).</summary>
    public int MinimumRows { get; }

    /// <summary>Counts a scored batch for the model that scored it.</summary>
    public void Observe(in ScoredBatch batch)
    {
        if (batch.Rows > 0)
        {
            Observe(batch.Model.Metadata, batch.FeatureRows, batch.Rows, batch.Scores);
        }
    }

    /// <summary>
    /// Counts <paramref name="rows"/> rows scored by <paramref name="model"/>: their features (row-major, the model's
    /// columns) and their scores.
    /// </summary>
    public void Observe(ModelMetadata model, ReadOnlySpan<float> features, int rows, ReadOnlySpan<float> scores)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!Enabled || rows <= 0 || CountsOf(model) is not { } counts
            || features.Length < (long)rows * counts.Width || scores.Length < rows)
        {
            return;
        }

        counts.Add(features, rows, scores, StepAt(_time.GetUtcNow()));
    }

    /// <summary>
    /// Sets up the counts of <paramref name="model"/>'s version before its first batch, counting nothing: in the
    /// 2,000/s demo the first batch paid 15 ms for it while its records waited.
    /// </summary>
    public void Prepare(ModelMetadata model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Enabled && CountsOf(model) is { } counts)
        {
            counts.Add([], 0, [], StepAt(_time.GetUtcNow()));
        }
    }

    /// <summary>Each measured version's rows and PSI over the window ending now; versions with no row left in it are dropped.</summary>
    public IReadOnlyList<DriftReading> Read()
    {
        var step = StepAt(_time.GetUtcNow());
        VersionCounts[] versions;
        lock (_versions)
        {
            _versions.RemoveAll(v => Interlocked.Read(ref v.LastStep) <= step - SubWindows);
            versions = [.. _versions];
        }

        return [.. versions.Select(v => v.Read(step, MinimumRows))];
    }

    private long StepAt(DateTimeOffset now) => now.UtcTicks / _stepTicks;

    private VersionCounts? CountsOf(ModelMetadata model)
    {
        lock (_versions)
        {
            foreach (var known in _versions)
            {
                if (known.Version == model.Version)
                {
                    return known;
                }
            }

            if (_unmeasured.Contains(model.Version))
            {
                return null;
            }

            if (model.DriftReference is null)
            {
                _unmeasured.Add(model.Version);
                LogNoReference(_logger, model.Version);
                return null;
            }

            if (ModelMetadataRules.DriftReferenceProblem(model.DriftReference) is { } problem)
            {
                _unmeasured.Add(model.Version);
                LogUnusableReference(_logger, model.Version, problem);
                return null;
            }

            if (_versions.Count == MaxVersions)
            {
                _versions.Remove(_versions.MinBy(v => Interlocked.Read(ref v.LastStep))!);
            }

            var counts = new VersionCounts(model.Version, model.Pipeline?.FeatureNames ?? [], model.DriftReference);
            _versions.Add(counts);
            return counts;
        }
    }

    /// <summary>One version's bin counts, per step of the window.</summary>
    private sealed class VersionCounts
    {
        private readonly object _gate = new();
        private readonly string[] _names;
        private readonly int[] _columns;
        private readonly float[][] _edges;
        private readonly int[] _firstBin; // feature f's bins are [_firstBin[f], _firstBin[f + 1]): value bins, then missing
        private readonly double[] _reference;
        private readonly float[] _scoreEdges;
        private readonly double[] _scoreReference;
        private readonly Step[] _steps = new Step[SubWindows];

        /// <summary>The last step a batch was counted in.</summary>
        public long LastStep;

        public VersionCounts(string version, IReadOnlyList<string> featureNames, DriftReference reference)
        {
            Version = version;
            Width = featureNames.Count;
            var columnOf = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var column = 0; column < featureNames.Count; column++)
            {
                columnOf.TryAdd(featureNames[column], column);
            }

            // A reference feature that is not one of the model's columns has nothing to be measured on.
            var features = reference.Features.Where(f => columnOf.ContainsKey(f.Name)).ToList();
            _names = [.. features.Select(f => f.Name)];
            _columns = [.. features.Select(f => columnOf[f.Name])];
            _edges = [.. features.Select(f => f.Bins.Edges.ToArray())];
            _firstBin = new int[features.Count + 1];
            for (var f = 0; f < features.Count; f++)
            {
                _firstBin[f + 1] = _firstBin[f] + _edges[f].Length + 2;
            }

            _reference = [.. features.SelectMany(f => Shares(f.Bins))];
            _scoreEdges = [.. reference.Score.Edges];
            _scoreReference = [.. Shares(reference.Score)];
            for (var s = 0; s < SubWindows; s++)
            {
                _steps[s] = new Step(_firstBin[^1], _scoreEdges.Length + 2);
            }
        }

        public string Version { get; }

        /// <summary>Columns of the model's feature rows.</summary>
        public int Width { get; }

        public void Add(ReadOnlySpan<float> features, int rows, ReadOnlySpan<float> scores, long step)
        {
            lock (_gate)
            {
                var current = _steps[step % SubWindows];
                if (current.Index != step)
                {
                    current.Reset(step);
                }

                var counts = current.Features;
                var scoreCounts = current.Scores;
                for (var r = 0; r < rows; r++)
                {
                    var row = features.Slice(r * Width, Width);
                    for (var f = 0; f < _columns.Length; f++)
                    {
                        counts[_firstBin[f] + BinnedDistribution.BinOf(_edges[f], row[_columns[f]])]++;
                    }

                    scoreCounts[BinnedDistribution.BinOf(_scoreEdges, scores[r])]++;
                }

                current.Rows += rows;
                Interlocked.Exchange(ref LastStep, Math.Max(LastStep, step));
            }
        }

        public DriftReading Read(long step, int minimumRows)
        {
            var counts = new long[_firstBin[^1]];
            var scoreCounts = new long[_scoreReference.Length];
            long rows = 0;
            lock (_gate)
            {
                foreach (var s in _steps)
                {
                    if (s.Index > step - SubWindows && s.Index <= step)
                    {
                        rows += s.Rows;
                        Accumulate(counts, s.Features);
                        Accumulate(scoreCounts, s.Scores);
                    }
                }
            }

            if (rows < minimumRows || rows == 0)
            {
                return new DriftReading(Version, rows, null, []);
            }

            var features = new KeyValuePair<string, double>[_names.Length];
            for (var f = 0; f < _names.Length; f++)
            {
                var bins = _firstBin[f].._firstBin[f + 1];
                features[f] = new(_names[f], Psi(counts.AsSpan(bins), rows, _reference.AsSpan(bins)));
            }

            return new DriftReading(Version, rows, Psi(scoreCounts, rows, _scoreReference), features);
        }

        /// <summary>Value-bin shares then the missing share, as the counts are laid out.</summary>
        private static IEnumerable<double> Shares(BinnedDistribution bins) => bins.Proportions.Append(bins.Missing);

        private static void Accumulate(long[] total, long[] part)
        {
            for (var i = 0; i < total.Length; i++)
            {
                total[i] += part[i];
            }
        }

        private static double Psi(ReadOnlySpan<long> counts, long rows, ReadOnlySpan<double> reference)
        {
            var psi = 0.0;
            for (var b = 0; b < counts.Length; b++)
            {
                var live = Math.Max(counts[b] / (double)rows, Epsilon);
                var expected = Math.Max(reference[b], Epsilon);
                psi += (live - expected) * Math.Log(live / expected);
            }

            return psi;
        }
    }

    /// <summary>The counts of one step of the window.</summary>
    private sealed class Step(int featureBins, int scoreBins)
    {
        public long Index { get; private set; } = long.MinValue;

        public long Rows { get; set; }

        public long[] Features { get; } = new long[featureBins];

        public long[] Scores { get; } = new long[scoreBins];

        public void Reset(long index)
        {
            Index = index;
            Rows = 0;
            Array.Clear(Features);
            Array.Clear(Scores);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Version} carries no drift reference (it was trained before models had one): its drift is not measured.")]
    private static partial void LogNoReference(ILogger logger, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Version}'s drift reference does not fit its features ({Problem}): its drift is not measured.")]
    private static partial void LogUnusableReference(ILogger logger, string version, string problem);
}
