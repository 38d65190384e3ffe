using System.Diagnostics;
using System.Text.Json;

namespace FraudStream.Bench.Scorer;

/// <summary>The orchestrator's handle on one `scorer-run` child process (see <see cref="ScorerHost"/>).</summary>
internal sealed class ScorerChild : MeasuredChild
{
    private ScorerChild(Process process)
        : base(process, "the scorer process")
    {
    }

    /// <summary>Starts this executable again as `scorer-run`, with stderr shared (its warnings show up in the console).</summary>
    public static ScorerChild Start(string registryDirectory, IReadOnlyDictionary<string, string> settings)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark cannot tell which executable it runs in.");
        var start = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ScorerChild).Assembly.Location); // `dotnet FraudStream.Bench.dll`, not the apphost
        }

        start.ArgumentList.Add("scorer-run");
        start.ArgumentList.Add(registryDirectory);
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"{key}={value}");
        }

        // libgomp spins between parallel regions unless told to sleep; the orchestrator's setting (the Makefile's) wins.
        start.Environment["OMP_WAIT_POLICY"] = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "PASSIVE";
        return new ScorerChild(Process.Start(start) ?? throw new InvalidOperationException($"Could not start {self} scorer-run."));
    }

    /// <summary>Batches committed from now on are accounted to <paramref name="name"/> in the report.</summary>
    public void StartPhase(string name)
    {
        Process.StandardInput.WriteLine($"phase {name}");
        Process.StandardInput.Flush();
    }

    /// <summary>Stops the scorer gracefully and returns its report; fails loudly when it does not stop or report.</summary>
    public async Task<ScorerReport> StopAsync(TimeSpan limit)
    {
        if (!Process.HasExited)
        {
            try
            {
                Process.StandardInput.WriteLine("stop");
                Process.StandardInput.Close();
            }
            catch (IOException)
            {
                // Already exiting: its report (or its absence) says why.
            }
        }

        await WaitForExitAsync(limit, "being asked to");
        var output = await Stdout;
        var json = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        var report = json is null ? null : JsonSerializer.Deserialize<ScorerReport>(json, ScorerReport.JsonOptions);
        if (report is null)
        {
            throw new BenchmarkFailedException($"The scorer process exited with code {Process.ExitCode} without a report (its log is above).");
        }

        if (report.Error is not null || Process.ExitCode != 0)
        {
            throw new BenchmarkFailedException($"The scorer process exited with code {Process.ExitCode}: {report.Error ?? "no error reported"}");
        }

        return report;
    }
}

/// <summary>A run that cannot give an honest number (records not committed in time, a child that failed, ...).</summary>
internal sealed class BenchmarkFailedException(string message) : Exception(message);
