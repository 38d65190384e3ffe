using System.Diagnostics.Metrics;
using FraudStream.Training.Evaluation;
using Microsoft.Extensions.Hosting;

namespace FraudStream.Cli.Monitoring;

/// <summary>What <see cref="AccuracyMonitor"/> reads and how it reports.</summary>
internal sealed record AccuracyMonitorSettings(
    string Bootstrap, Avro.Registry.ISchemaRegistry Schemas, IReadOnlyList<string> ScoreTopics, string LabelsTopic,
    IReadOnlyList<TimeSpan> Windows, TimeSpan Maturity, TimeSpan Refresh, string? Registry);

/// <summary>
/// `fraudstream monitor`'s work: follows the scored, shadow and labels topics and, every refresh, recomputes each
/// version's live accuracy over each window, exported as gauges (tagged version, role, window) for Prometheus.
/// </summary>
internal sealed class AccuracyMonitor : BackgroundService
{
    /// <summary>The meter's name, for the management endpoint's MeterProvider.</summary>
    public const string MeterName = "FraudStream.Accuracy";

    private readonly AccuracyMonitorSettings _settings;
    private readonly TimeProvider _time;
    private readonly Meter _meter;
    private volatile IReadOnlyList<(AccuracyReport Report, string Role)> _reports = [];

    public AccuracyMonitor(AccuracyMonitorSettings settings, TimeProvider time, IMeterFactory meters)
    {
        _settings = settings;
        _time = time;
        _meter = meters.Create(MeterName);
        _meter.CreateObservableGauge(
            "fraudstream_live_precision", Observe(r => r.Precision), description: "Alerted frauds over alerts with a known outcome, per version and event-time window.");
        _meter.CreateObservableGauge("fraudstream_live_recall", Observe(r => r.Recall), description: "Alerted frauds over known frauds, per version and window.");
        _meter.CreateObservableGauge(
            "fraudstream_live_pr_auc", Observe(r => r.PrAuc), description: "Average precision of the scores over transactions with a known outcome, per version and window.");
        _meter.CreateObservableGauge(
            "fraudstream_live_alert_rate", Observe(r => r.AlertRate), description: "Alerts (a challenger's would-be alerts) over transactions scored, per version and window.");
        _meter.CreateObservableGauge(
            "fraudstream_live_label_coverage", Observe(r => r.LabelCoverage), description: "Transactions with a known outcome over transactions scored, per version and window.");
        _meter.CreateObservableGauge("fraudstream_live_scored", Observe(r => r.Scored), description: "Transactions scored in the window, per version.");
    }

    /// <summary>Completes once the topics were read to where they ended at start and the first reports exist.</summary>
    public TaskCompletionSource CaughtUp { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Why the monitor stopped, when it could not read the topics.</summary>
    public string? Problem { get; private set; }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Factory.StartNew(
        () => Follow(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task Follow(CancellationToken stop)
    {
        using var reader = AccuracyReader.TryOpen(_settings.Bootstrap, _settings.Schemas, _settings.ScoreTopics, _settings.LabelsTopic, out var error);
        if (reader is null)
        {
            Problem = error;
            CaughtUp.TrySetResult();
            return;
        }

        var accuracy = new LiveAccuracy(_settings.Maturity);
        var keep = _settings.Windows.Max() + _settings.Maturity;
        try
        {
            reader.ReadToEnd(accuracy, stop);
            while (!stop.IsCancellationRequested)
            {
                var now = _time.GetUtcNow();
                accuracy.Forget(now - keep);
                var roles = await ModelsReportCommand.RolesAsync(_settings.Registry, stop).ConfigureAwait(false);
                _reports = [.. accuracy.Report(now, _settings.Windows).Select(r => (r, roles.GetValueOrDefault(r.Version, "")))];
                CaughtUp.TrySetResult();
                reader.ReadAvailable(accuracy, _settings.Refresh, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>One gauge's samples: a value per version and window; none where it is undefined (no known outcome yet), rather than a misleading 0.</summary>
    private Func<IEnumerable<Measurement<double>>> Observe(Func<AccuracyReport, double> value) =>
        () => _reports
            .Select(x => (x, Value: value(x.Report)))
            .Where(x => double.IsFinite(x.Value))
            .Select(x => new Measurement<double>(
                x.Value,
                new KeyValuePair<string, object?>("version", x.x.Report.Version),
                new KeyValuePair<string, object?>("role", x.x.Role),
                new KeyValuePair<string, object?>("window", WindowLabel(x.x.Report.Window))));

    /// <summary>A window as a label value: 1d, 7d, 6h, 5m.</summary>
    internal static string WindowLabel(TimeSpan w) =>
        w.TotalDays >= 1 && w.TotalDays == Math.Floor(w.TotalDays) ? $"{w.TotalDays:0}d"
        : w.TotalHours >= 1 && w.TotalHours == Math.Floor(w.TotalHours) ? $"{w.TotalHours:0}h"
        : w.TotalMinutes == Math.Floor(w.TotalMinutes) ? $"{w.TotalMinutes:0}m"
        : $"{w.TotalSeconds:0}s";
}
