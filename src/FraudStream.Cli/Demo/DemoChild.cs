using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace FraudStream.Cli.Demo;

/// <summary>
/// One `fraudstream` verb the demo runs as a child process of the same executable: its lines are shown prefixed with
/// its name (or hidden, as the caller decides), kept for waiting on and for a failure report, and it is stopped
/// as a service manager would stop it: SIGTERM, then SIGKILL past a grace period.
/// </summary>
internal sealed class DemoChild : IDisposable
{
    private const int Sigterm = 15;

    // Enough to wait on banners and to show what a dying child said last, without keeping a long run's output.
    private const int KeptLines = 2_000;
    private const int ReportedLines = 15;

    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly Queue<string> _recent = new();
    private readonly Func<string, bool, bool> _show;
    private TaskCompletionSource _changed = NewSignal();
    private bool _closed;

    private DemoChild(string name, Process process, Func<string, bool, bool> show)
    {
        Name = name;
        _process = process;
        _show = show;
    }

    /// <summary>The verb's short name, the prefix of its lines: broker, scorer, api, ...</summary>
    public string Name { get; }

    /// <summary>Completes with the exit code once the process has exited and its output has been read to the end.</summary>
    public Task<int> Exited { get; private set; } = Task.FromResult(0);

    /// <summary>The last lines it printed (stdout and stderr), for a failure report.</summary>
    public IReadOnlyList<string> RecentLines
    {
        get
        {
            lock (_gate)
            {
                return [.. _recent];
            }
        }
    }

    /// <summary>
    /// Starts `fraudstream <paramref name="arguments"/>` with <paramref name="environment"/> added to this process's.
    /// <paramref name="show"/> gets each line and whether it came from stdout, and says whether to print it.
    /// </summary>
    public static DemoChild Start(
        string name, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, Func<string, bool, bool> show)
    {
        var (fileName, prefix) = Executable();
        var startInfo = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in prefix.Concat(arguments))
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }

        var child = new DemoChild(name, new Process { StartInfo = startInfo }, show);
        child._process.OutputDataReceived += (_, e) => child.OnLine(e.Data, isStdout: true);
        child._process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, isStdout: false);
        child._process.Start();
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        child.Exited = child.WaitForExitCodeAsync();
        return child;
    }

    /// <summary>Waits for a line (stdout or stderr) that matches, also among those already printed.</summary>
    /// <exception cref="DemoFailure">The process ended its output (exited) without printing one.</exception>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string description, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_lines.FirstOrDefault(match) is { } found)
                {
                    return found;
                }

                if (_closed)
                {
                    throw new DemoFailure($"{Name} stopped before printing {description}.", this);
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Every line kept so far that matches.</summary>
    public IReadOnlyList<string> LinesMatching(Func<string, bool> match)
    {
        lock (_gate)
        {
            return [.. _lines.Where(match)];
        }
    }

    /// <summary>SIGTERM, wait up to <paramref name="grace"/>, then SIGKILL (with anything it started); returns once it is gone.</summary>
    /// <returns>True when it stopped on SIGTERM (or had already exited), false when it had to be killed.</returns>
    public async Task<bool> StopAsync(TimeSpan grace)
    {
        if (!_process.HasExited)
        {
            // It may exit between the check and the signal: ESRCH then, which is what we wanted anyway.
            _ = Kill(_process.Id, Sigterm);
        }

        using var deadline = new CancellationTokenSource(grace);
        try
        {
            await Exited.WaitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            KillTree();
            await Exited;
            return false;
        }
    }

    /// <summary>Kills the process if it is still running: the demo never leaves one behind.</summary>
    public void Dispose()
    {
        KillTree();
        _process.Dispose();
    }

    private void KillTree()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    private async Task<int> WaitForExitCodeAsync()
    {
        // Waits for the end of the redirected output too, so no line is lost.
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    /// <summary>The same fraudstream this process is: its apphost, or `dotnet fraudstream.dll` under the dotnet host.</summary>
    private static (string FileName, string[] Prefix) Executable()
    {
        var path = Environment.ProcessPath;
        if (path is not null && !string.Equals(Path.GetFileNameWithoutExtension(path), "dotnet", StringComparison.Ordinal))
        {
            return (path, []);
        }

        return (path ?? "dotnet", [Path.Combine(AppContext.BaseDirectory, "fraudstream.dll")]);
    }

    private void OnLine(string? line, bool isStdout)
    {
        TaskCompletionSource changed;
        var show = false;
        lock (_gate)
        {
            if (line is null)
            {
                // Both streams end at exit; stdout's end marks it.
                _closed = isStdout || _closed;
            }
            else
            {
                if (_lines.Count < KeptLines)
                {
                    _lines.Add(line);
                }

                _recent.Enqueue(line);
                if (_recent.Count > ReportedLines)
                {
                    _recent.Dequeue();
                }

                show = _show(line, isStdout);
            }

            changed = _changed;
            _changed = NewSignal();
        }

        if (show)
        {
            Console.WriteLine($"[{Name}] {line}");
        }

        changed.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    // DllImport, not LibraryImport: the signature is blittable, so nothing is generated, and this project stays free of
    // unsafe code (LibraryImport requires AllowUnsafeBlocks even then).
    [DllImport("libc", EntryPoint = "kill")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}

/// <summary>The demo cannot go on: one sentence, and the child whose last lines explain it (if any).</summary>
internal sealed class DemoFailure(string message, DemoChild? child = null) : Exception(message)
{
    /// <summary>The child that failed, whose recent lines are shown with the message.</summary>
    public DemoChild? Child { get; } = child;
}
