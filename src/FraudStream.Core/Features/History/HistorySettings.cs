using System.Globalization;

namespace FraudStream.Core.Features.History;

/// <summary>
/// The settings history features depend on. A model records the settings it was trained with, and a scorer whose
/// state keeps history differently refuses it (<see cref="FeaturePipeline.For"/>).
/// </summary>
public sealed record HistorySettings
{
    /// <summary>Per-card windows: count, amount sum and mean over each (pipeline tx-v2).</summary>
    public static IReadOnlyList<TimeSpan> CardWindows { get; } = [TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(7), TimeSpan.FromDays(30)];

    /// <summary>Per-merchant and per-terminal windows: labelled transactions, confirmed frauds and their share.</summary>
    public static IReadOnlyList<TimeSpan> EntityWindows { get; } = [TimeSpan.FromDays(1), TimeSpan.FromDays(7), TimeSpan.FromDays(30)];

    /// <summary><see cref="CardWindows"/> in milliseconds, for the per-event loops (no interface call or conversion there).</summary>
    internal static readonly long[] CardWindowMs = [.. CardWindows.Select(w => (long)w.TotalMilliseconds)];

    /// <summary><see cref="EntityWindows"/> in milliseconds.</summary>
    internal static readonly long[] EntityWindowMs = [.. EntityWindows.Select(w => (long)w.TotalMilliseconds)];

    /// <summary>The longest window: history older than it (plus the lateness bound) is forgotten.</summary>
    public static TimeSpan Retention { get; } = TimeSpan.FromDays(30);

    /// <summary>The default settings.</summary>
    public static HistorySettings Default { get; } = new();

    /// <summary>
    /// How far behind the newest transaction of its card a transaction may be and still enter the card's history
    /// (Flink's allowed lateness). Later ones are scored against the history they find but not remembered.
    /// </summary>
    public TimeSpan Lateness { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Most transactions a card's history keeps (the oldest go first): a card-testing burst cannot grow a card without bound.</summary>
    public int MaxEventsPerCard { get; init; } = 2_000;

    /// <summary>Most labels a merchant's or terminal's history keeps (the oldest go first).</summary>
    public int MaxLabelsPerEntity { get; init; } = 20_000;

    /// <summary>Most lateness accepted.</summary>
    public static readonly TimeSpan MaxLateness = TimeSpan.FromDays(7);

    /// <summary>Throws <see cref="ArgumentException"/> with one sentence when a setting cannot work.</summary>
    public void Validate()
    {
        if (Lateness < TimeSpan.Zero || Lateness > MaxLateness)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The history lateness bound must be from 0 to {MaxLateness.TotalDays} days, not {Lateness}."));
        }

        if (MaxEventsPerCard is < 1 or > 1_000_000)
        {
            throw new ArgumentException($"A card's history must keep from 1 to 1,000,000 transactions, not {MaxEventsPerCard}.");
        }

        if (MaxLabelsPerEntity is < 1 or > 10_000_000)
        {
            throw new ArgumentException($"A merchant's or terminal's history must keep from 1 to 10,000,000 labels, not {MaxLabelsPerEntity}.");
        }
    }
}
