using System.Diagnostics;
using System.Text.Json;

namespace FraudStream.Bench.Scorer;

/// <summary>The orchestrator's handle on one `scorer-run` child process (see <see cref="ScorerHost"/>).</summary>
internal sealed class ScorerChild : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;

    private ScorerChild(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>User + system CPU the child has used so far (read from /proc, so it is current).</summary>
    public TimeSpan Cpu
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
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
        _process.StandardInput.WriteLine($"phase {name}");
        _process.StandardInput.Flush();
    }

    /// <summary>Stops the scorer gracefully and returns its report; fails loudly when it does not stop or report.</summary>
    public async Task<ScorerReport> StopAsync(TimeSpan limit)
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.StandardInput.WriteLine("stop");
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
                // Already exiting: its report (or its absence) says why.
            }
        }

        using (var timeout = new CancellationTokenSource(limit))
        {
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new BenchmarkFailedException($"The scorer process {_process.Id} did not stop within {limit.TotalSeconds:0} s of being asked to.");
            }
        }

        var output = await _stdout;
        var json = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        var report = json is null ? null : JsonSerializer.Deserialize<ScorerReport>(json, ScorerReport.JsonOptions);
        if (report is null)
        {
            throw new BenchmarkFailedException($"The scorer process exited with code {_process.ExitCode} without a report (its log is above).");
        }

        if (report.Error is not null || _process.ExitCode != 0)
        {
            throw new BenchmarkFailedException($"The scorer process exited with code {_process.ExitCode}: {report.Error ?? "no error reported"}");
        }

        return report;
    }

    /// <summary>What to say when the child has exited while it was expected to run.</summary>
    public string DescribeExit() => _process.HasExited
        ? $"the scorer process exited early with code {_process.ExitCode} (its log is above)."
        : "the scorer process is still running.";

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(); // only ever this child, by its own handle
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}

/// <summary>A run that cannot give an honest number (records not committed in time, a child that failed, ...).</summary>
internal sealed class BenchmarkFailedException(string message) : Exception(message);
