using System.Diagnostics;
using System.Diagnostics.Metrics;
using FraudStream.Streaming.Telemetry;

namespace FraudStream.Bench.Scorer;

/// <summary>
/// Listens to the scorer's own per-batch metrics in the child, so a report can say where the loop's time goes
/// (collect, score, commit) without changing the scorer. Only per-batch instruments are enabled: nothing per record.
/// </summary>
internal sealed class LoopRecorder : IDisposable
{
    private const string BatchSize = "fraudstream_batch_size_records";
    private const string Alerts = "fraudstream_alerts";
    private const string ScoringTime = "fraudstream_scoring_duration_seconds";
    private const string CommitTime = "fraudstream_transaction_commit_duration_seconds";
    private const string Aborted = "fraudstream_transactions_aborted";

    private static readonly HashSet<string> s_instruments = [BatchSize, Alerts, ScoringTime, CommitTime, Aborted];

    private readonly MeterListener _listener = new();
    private readonly Lock _lock = new();
    private readonly List<Accumulator> _phases = [];
    private Accumulator _current;

    // ScorerMetrics.BatchCommitted records size, scored, alerts, committed, scoring time, then commit time, on the loop's thread.
    private long _pendingRecords;
    private double _pendingScoring;

    public LoopRecorder(string firstPhase)
    {
        _current = new Accumulator(firstPhase);
        _phases.Add(_current);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ScorerMetrics.MeterName && s_instruments.Contains(instrument.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => OnMeasurement(instrument.Name, value));
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => OnMeasurement(instrument.Name, value));
        _listener.Start();
    }

    /// <summary>Batches committed from now on count towards <paramref name="name"/>.</summary>
    public void StartPhase(string name)
    {
        lock (_lock)
        {
            _current = new Accumulator(name);
            _phases.Add(_current);
        }
    }

    public IReadOnlyList<LoopPhase> Phases()
    {
        lock (_lock)
        {
            return _phases.Select(p => p.ToPhase()).ToList();
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(string instrument, double value)
    {
        lock (_lock)
        {
            switch (instrument)
            {
                case BatchSize:
                    _pendingRecords = (long)value;
                    break;
                case Alerts:
                    _current.Alerts += (long)value;
                    break;
                case ScoringTime:
                    _pendingScoring = value;
                    break;
                case Aborted:
                    _current.Aborted += (long)value;
                    break;
                case CommitTime:
                    _current.Add(Stopwatch.GetTimestamp(), _pendingRecords, _pendingScoring, value);
                    break;
                default:
                    break;
            }
        }
    }

    private sealed class Accumulator(string name)
    {
        private int _batches;
        private long _records;
        private long _firstCommit;
        private long _lastCommit;
        private long _recordsAfterFirst;
        private double _scoringAfterFirst;
        private double _commitAfterFirst;
        private GcWork _gcAtFirst;
        private GcWork _gcAtLast;

        public long Alerts { get; set; }

        public long Aborted { get; set; }

        public void Add(long committedAt, long records, double scoring, double commit)
        {
            if (_batches++ == 0)
            {
                _firstCommit = committedAt;
                _gcAtFirst = GcWork.Now();
                _gcAtLast = _gcAtFirst;
            }
            else
            {
                _recordsAfterFirst += records;
                _scoringAfterFirst += scoring;
                _commitAfterFirst += commit;
                _gcAtLast = GcWork.Now();
            }

            _records += records;
            _lastCommit = committedAt;
        }

        public LoopPhase ToPhase() => new(
            name, _batches, _records, Alerts, Aborted, _firstCommit, _lastCommit, _recordsAfterFirst, _scoringAfterFirst, _commitAfterFirst,
            _gcAtLast.Since(_gcAtFirst));
    }
}
