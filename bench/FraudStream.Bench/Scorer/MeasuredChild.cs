using System.Diagnostics;

namespace FraudStream.Bench.Scorer;

/// <summary>
/// A child process whose committed offsets the benchmark times (the scorer, the Python peer): its CPU is sampled, its
/// stdout kept for the report it prints when it stops, its early exit is a failure.
/// </summary>
internal abstract class MeasuredChild : IDisposable
{
    private readonly string _name;

    /// <param name="process">Started with stdout redirected.</param>
    /// <param name="name">What to call it in messages ("the scorer process").</param>
    protected MeasuredChild(Process process, string name)
    {
        Process = process;
        Stdout = process.StandardOutput.ReadToEndAsync();
        _name = name;
    }

    public bool HasExited => Process.HasExited;

    /// <summary>User + system CPU the child has used so far (read from /proc, so it is current).</summary>
    public TimeSpan Cpu
    {
        get
        {
            Process.Refresh();
            return Process.TotalProcessorTime;
        }
    }

    protected Process Process { get; }

    /// <summary>All the child printed on stdout, once it has exited.</summary>
    protected Task<string> Stdout { get; }

    /// <summary>What to say when the child has exited while it was expected to run.</summary>
    public string DescribeExit() => Process.HasExited
        ? $"{_name} exited early with code {Process.ExitCode} (its log is above)."
        : $"{_name} is still running.";

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(); // only ever this child, by its own handle
            Process.WaitForExit();
        }

        Process.Dispose();
    }

    /// <summary>Waits for the child to exit; fails loudly when it does not within <paramref name="limit"/> of <paramref name="since"/>.</summary>
    protected async Task WaitForExitAsync(TimeSpan limit, string since)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await Process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new BenchmarkFailedException($"{char.ToUpperInvariant(_name[0])}{_name[1..]} ({Process.Id}) did not stop within {limit.TotalSeconds:0} s of {since}.");
        }
    }
}
