using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace FraudStream.Bench.Scorer;

/// <summary>
/// The reference loop (bench/peer/scorer_peer.py: confluent-kafka + XGBoost, exactly once, on Debian's Python) as a
/// child process; the benchmark times it from its group's committed offsets, as it times the scorer.
/// </summary>
internal sealed class PythonPeer : MeasuredChild
{
    public const string DebianPython = "/usr/bin/python3";

    private PythonPeer(Process process)
        : base(process, "the Python peer")
    {
    }

    /// <summary>Where the peer script is, from the repository root.</summary>
    public static string ScriptPath => Path.Combine(Predict.PredictBenchmark.RepositoryRoot(), "bench", "peer", "scorer_peer.py");

    /// <summary>Starts the peer on <paramref name="input"/>; it stops by itself once it has committed <paramref name="records"/> records.</summary>
    public static PythonPeer Start(string bootstrapServers, string registry, string input, string alerts, string group, int batch, long records)
    {
        if (!File.Exists(DebianPython) || !File.Exists(ScriptPath))
        {
            throw new BenchmarkFailedException($"The Python peer needs {DebianPython} and {ScriptPath}: run `bash bench/peer/deps.sh` from the repository root.");
        }

        var start = new ProcessStartInfo(DebianPython) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[]
                 {
                     ScriptPath, "--bootstrap", bootstrapServers, "--registry", registry, "--input", input, "--alerts", alerts,
                     "--group", group, "--transactional-id", group + "-txn",
                     "--batch", batch.ToString(CultureInfo.InvariantCulture), "--records", records.ToString(CultureInfo.InvariantCulture),
                 })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["OMP_WAIT_POLICY"] = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "PASSIVE";
        return new PythonPeer(Process.Start(start) ?? throw new InvalidOperationException($"Could not start {DebianPython} {ScriptPath}."));
    }

    /// <summary>Waits for the peer to finish and returns its report; fails loudly when it does not.</summary>
    public async Task<PeerReport> WaitAsync(TimeSpan limit)
    {
        await WaitForExitAsync(limit, "committing its records");
        var report = PeerReport.Parse(await Stdout);
        if (report.Error is not null || Process.ExitCode != 0)
        {
            throw new BenchmarkFailedException($"The Python peer exited with code {Process.ExitCode}: {report.Error ?? "no error reported (its log is above)"}");
        }

        return report;
    }
}

/// <summary>What bench/peer/scorer_peer.py prints on stdout (its last line, JSON) when it stops.</summary>
/// <param name="Records">Records it committed.</param>
/// <param name="Alerts">Alerts it produced in committed transactions.</param>
/// <param name="Batches">Transactions it committed.</param>
/// <param name="FirstBatchRecords">Records in its first transaction.</param>
/// <param name="SecondsAfterFirstCommit">From its first commit to its last, by its own clock.</param>
/// <param name="CpuSeconds">User + system CPU of its whole life.</param>
/// <param name="PeakRssBytes">Its resident-set high-water mark.</param>
/// <param name="Error">Why it stopped early, or null.</param>
internal sealed record PeerReport(
    long Records, long Alerts, int Batches, long FirstBatchRecords, double SecondsAfterFirstCommit, double CpuSeconds, long PeakRssBytes, string? Error)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.General) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The peer's own rate: records after its first transaction over the time from its first commit to its last.</summary>
    public double LoopRate => SecondsAfterFirstCommit > 0 ? (Records - FirstBatchRecords) / SecondsAfterFirstCommit : double.NaN;

    /// <summary>The report in the last non-empty line of <paramref name="stdout"/> (Python may print warnings before it).</summary>
    public static PeerReport Parse(string stdout)
    {
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        try
        {
            return (line is null ? null : JsonSerializer.Deserialize<PeerReport>(line, s_json))
                   ?? throw new BenchmarkFailedException("The Python peer printed no report (its log is above).");
        }
        catch (JsonException e)
        {
            throw new BenchmarkFailedException($"The Python peer's last line is not its report ({e.Message}): '{line}'.");
        }
    }
}
