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
internal sealed record LoopPhase(
    string Name, int Batches, long Records, long Alerts, long Aborted, long FirstCommitTimestamp, long LastCommitTimestamp,
    long RecordsAfterFirst, double ScoringSecondsAfterFirst, double CommitSecondsAfterFirst);
