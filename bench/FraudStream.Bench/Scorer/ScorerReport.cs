using System.Text.Json;

namespace FraudStream.Bench.Scorer;

/// <summary>What a `scorer-run` child prints on stdout (one JSON line) when it stops.</summary>
/// <param name="PeakRssBytes">VmHWM of the child: its resident-set high-water mark over its whole life.</param>
/// <param name="Phases">The scorer loop's batches, split by the orchestrator's phase marks.</param>
/// <param name="Error">Why the scorer loop ended on its own, or null.</param>
internal sealed record ScorerReport(long PeakRssBytes, IReadOnlyList<LoopPhase> Phases, string? Error)
{
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web);
}

/// <summary>
/// The scorer loop during one phase, from its own metrics (FraudStream.Scorer meter): the first committed batch of the
/// phase only marks the start, so the sums cover whole collect → score → commit cycles between its commit and the last one.
/// </summary>
/// <param name="Name">Phase name given by the orchestrator.</param>
/// <param name="Batches">Committed transactions (batches), the first one included.</param>
/// <param name="Records">Records in committed batches, the first one included.</param>
/// <param name="Alerts">Alerts in committed batches.</param>
/// <param name="Aborted">Aborted transactions.</param>
/// <param name="FirstCommitTimestamp">Stopwatch timestamp of the first batch's commit (CLOCK_MONOTONIC, comparable across processes).</param>
/// <param name="LastCommitTimestamp">Stopwatch timestamp of the last batch's commit.</param>
/// <param name="RecordsAfterFirst">Records in the batches after the first.</param>
/// <param name="ScoringSecondsAfterFirst">Time to decode, build features and predict, summed over the batches after the first.</param>
/// <param name="CommitSecondsAfterFirst">Time to produce alerts, send offsets and commit, summed over the batches after the first.</param>
/// <param name="GcAfterFirst">The child's garbage collector between the first batch's commit and the last one's.</param>
internal sealed record LoopPhase(
    string Name, int Batches, long Records, long Alerts, long Aborted, long FirstCommitTimestamp, long LastCommitTimestamp,
    long RecordsAfterFirst, double ScoringSecondsAfterFirst, double CommitSecondsAfterFirst, GcWork GcAfterFirst);

/// <summary>
/// What the garbage collector did over a stretch of time (the difference of two <see cref="Now"/> readings). A struct:
/// it is read at every committed batch inside the measured process, which should not allocate for it.
/// </summary>
/// <param name="AllocatedBytes">Bytes allocated by all threads.</param>
/// <param name="Gen0">Collections of generation 0 (gen1 and gen2 collections count here too, as the runtime counts them).</param>
/// <param name="Gen1">Collections of generation 1 (gen2 ones included).</param>
/// <param name="Gen2">Collections of generation 2.</param>
/// <param name="PauseSeconds">Time the runtime was paused for collections.</param>
internal readonly record struct GcWork(long AllocatedBytes, int Gen0, int Gen1, int Gen2, double PauseSeconds)
{
    /// <summary>The process's totals so far.</summary>
    public static GcWork Now() => new(
        GC.GetTotalAllocatedBytes(precise: false), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
        GC.GetTotalPauseDuration().TotalSeconds);

    public GcWork Since(GcWork earlier) => new(
        AllocatedBytes - earlier.AllocatedBytes, Gen0 - earlier.Gen0, Gen1 - earlier.Gen1, Gen2 - earlier.Gen2, PauseSeconds - earlier.PauseSeconds);
}
