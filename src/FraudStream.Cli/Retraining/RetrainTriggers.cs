using System.Globalization;
using FraudStream.Core.Models;
using FraudStream.Core.Transactions;
using FraudStream.Registry;

namespace FraudStream.Cli.Retraining;

/// <summary>When <c>fraudstream retrain</c> trains: any of the triggers given (null: not used).</summary>
/// <param name="Every">Schedule: train when the newest model in the registry is at least this old.</param>
/// <param name="MinNewLabels">Train when at least this many labels became known after the newest model's training data ends.</param>
/// <param name="DriftAbove">Train when a feature's or the score's population stability index (PSI) for the production model is above this.</param>
internal sealed record RetrainTriggerSettings(TimeSpan? Every, long? MinNewLabels, double? DriftAbove);

/// <summary>One trigger's verdict.</summary>
/// <param name="Trigger">"schedule", "new labels" or "drift".</param>
/// <param name="Fired">Whether it asks for a retraining.</param>
/// <param name="Why">The numbers behind the verdict, in words.</param>
internal sealed record TriggerVerdict(string Trigger, bool Fired, string Why)
{
    public override string ToString() => $"{Trigger} {(Fired ? "FIRED" : "not fired")} ({Why})";
}

/// <summary>Counts the labels known after a time (on the labels topic).</summary>
internal interface INewLabelCounter
{
    /// <summary>Labels whose label time is after <paramref name="after"/>, and a note on what else the count met (e.g. skipped records), or null.</summary>
    Task<(long Count, string? Note)> CountAfterAsync(DateTimeOffset after, CancellationToken cancellation);
}

/// <summary>The drift the scorers report for a model.</summary>
internal interface IDriftSource
{
    /// <summary>The largest PSI reported for <paramref name="modelVersion"/>, or none (no drift signal) and why.</summary>
    Task<DriftReading> ReadAsync(string modelVersion, CancellationToken cancellation);
}

/// <summary>The largest PSI found (null: none) and what it was of, and where; or why there is no signal.</summary>
internal sealed record DriftReading(double? Psi, string Where);

/// <summary>
/// Checks the retraining triggers against the registry, the labels topic and the scorers' drift metrics. The schedule counts
/// from the newest model's creation and the label count from the end of its training data, so a retraining resets both. Drift is
/// the production model's, which a retraining does not change: while a challenger is set (being judged in shadow), drift does
/// not ask for another; withdrawing or promoting the challenger lets it fire again.
/// </summary>
internal sealed class RetrainTriggers(
    RetrainTriggerSettings settings, ModelRegistry registry, INewLabelCounter labels, IDriftSource drift, TimeProvider time)
{
    /// <summary>Every configured trigger's verdict, in the order schedule, new labels, drift.</summary>
    /// <exception cref="ModelRegistryException">The registry could not be read.</exception>
    /// <exception cref="TopicReadException">The labels topic could not be read.</exception>
    public async Task<IReadOnlyList<TriggerVerdict>> CheckAsync(CancellationToken cancellation)
    {
        var versions = await registry.ListVersionsAsync(cancellation);
        var newest = versions.Count > 0 ? await registry.GetMetadataAsync(versions[0], cancellation) : null;
        var verdicts = new List<TriggerVerdict>();
        var c = CultureInfo.InvariantCulture;

        if (settings.Every is { } every)
        {
            var age = newest is null ? TimeSpan.MaxValue : time.GetUtcNow() - newest.CreatedAt;
            verdicts.Add(newest is null
                ? new TriggerVerdict("schedule", true, "no model in the registry yet")
                : new TriggerVerdict("schedule", age >= every, $"newest model {newest.Version} is {Days(age)} old, --every {Days(every)}"));
        }

        if (settings.MinNewLabels is { } minimum)
        {
            var after = newest is null ? DateTimeOffset.MinValue : TrainingDataEnd(newest.TrainingData);
            var (count, note) = await labels.CountAfterAsync(after, cancellation);
            var since = newest is null ? "in all, no model yet" : $"after {LabelledTransactionCsv.FormatTime(after)}, where {newest.Version}'s training data ends";
            verdicts.Add(new TriggerVerdict("new labels", count >= minimum, string.Create(c,
                $"{count:N0} labels known {since}; --min-new-labels {minimum:N0}{(note is null ? "" : "; " + note)}")));
        }

        if (settings.DriftAbove is { } limit)
        {
            verdicts.Add(await CheckDriftAsync(limit, cancellation));
        }

        return verdicts;
    }

    /// <summary>Where a model's training data ends: the window it read from Kafka, else its latest transaction.</summary>
    public static DateTimeOffset TrainingDataEnd(TrainingDataSummary data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data.Window?.To ?? data.To;
    }

    private async Task<TriggerVerdict> CheckDriftAsync(double limit, CancellationToken cancellation)
    {
        var c = CultureInfo.InvariantCulture;
        var production = await registry.GetProductionAsync(cancellation);
        if (production is null)
        {
            return new TriggerVerdict("drift", false, "no production model to measure drift for");
        }

        if ((await registry.GetChallengerAsync(cancellation))?.Version is { } challenger)
        {
            return new TriggerVerdict("drift", false, $"challenger {challenger} is being judged; drift retrains again once it is promoted or withdrawn");
        }

        var reading = await drift.ReadAsync(production.Version, cancellation);
        return reading.Psi is { } psi
            ? new TriggerVerdict("drift", psi > limit, string.Create(c, $"largest PSI {psi:0.000} for production {production.Version} ({reading.Where}), --drift-above {limit:0.###}"))
            : new TriggerVerdict("drift", false, $"no drift signal: {reading.Where}");
    }

    private static string Days(TimeSpan span) => span.TotalDays.ToString("0.##", CultureInfo.InvariantCulture) + " d";
}
