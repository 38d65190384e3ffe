using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace FraudStream.Testing;

/// <summary>
/// The real `fraudstream` executable running as a child process (`dotnet fraudstream.dll ...`), its stdout and
/// stderr captured line by line so a test waits for what the process prints, never for a fixed time.
/// </summary>
public sealed partial class FraudstreamProcess : IDisposable
{
    private const int Sigterm = 15;

    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private bool _stdoutClosed;
    private bool _stderrClosed;

    // Replaced on every line and at end of stream, so a waiter wakes once per change and rechecks.
    private TaskCompletionSource _outputChanged = NewSignal();

    private FraudstreamProcess(Process process) => _process = process;

    /// <summary>The operating system's id of the process.</summary>
    public int Id => _process.Id;

    /// <summary>Lines printed on stdout so far.</summary>
    public IReadOnlyList<string> StandardOutput
    {
        get
        {
            lock (_gate)
            {
                return [.. _stdout];
            }
        }
    }

    /// <summary>Lines printed on stderr so far.</summary>
    public IReadOnlyList<string> StandardError
    {
        get
        {
            lock (_gate)
            {
                return [.. _stderr];
            }
        }
    }

    /// <summary>Everything the process printed so far, for assertion messages.</summary>
    public string Transcript
    {
        get
        {
            lock (_gate)
            {
                var text = new StringBuilder();
                text.AppendLine($"--- fraudstream {string.Join(' ', _process.StartInfo.ArgumentList.Skip(1))}: stdout ---");
                _stdout.ForEach(line => text.AppendLine(line));
                text.AppendLine("--- stderr ---");
                _stderr.ForEach(line => text.AppendLine(line));
                return text.ToString();
            }
        }
    }

    /// <summary>Configuration keys ("Scorer:InputTopic") as the environment variables the process reads ("FRAUDSTREAM_Scorer__InputTopic").</summary>
    public static Dictionary<string, string?> EnvironmentOf(IReadOnlyDictionary<string, string?> settings) =>
        settings.ToDictionary(s => "FRAUDSTREAM_" + s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);

    /// <summary>Starts fraudstream.dll from the test output directory (the Cli project reference puts it there).</summary>
    public static FraudstreamProcess Start(params string[] arguments) => Start(new Dictionary<string, string?>(), arguments);

    /// <summary>Starts fraudstream.dll with <paramref name="environment"/> set (a null value removes the variable).</summary>
    public static FraudstreamProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var executable = Path.Combine(AppContext.BaseDirectory, "fraudstream.dll");
        if (!File.Exists(executable))
        {
            throw new FileNotFoundException("fraudstream.dll is not beside the tests: build the solution first.", executable);
        }

        // `dotnet test` names the dotnet host it runs under; use the same one.
        var startInfo = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        startInfo.ArgumentList.Add(executable);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var child = new FraudstreamProcess(new Process { StartInfo = startInfo });
        child._process.OutputDataReceived += (_, e) => child.OnLine(e.Data, isStdout: true);
        child._process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, isStdout: false);
        try
        {
            child._process.Start();
            child._process.BeginOutputReadLine();
            child._process.BeginErrorReadLine();
            return child;
        }
        catch
        {
            child.Dispose();
            throw;
        }
    }

    /// <summary>Runs fraudstream to its exit and returns what it printed; fails the test past <paramref name="timeout"/>.</summary>
    public static Task<FraudstreamRun> RunAsync(TimeSpan timeout, params string[] arguments) =>
        RunAsync(new Dictionary<string, string?>(), timeout, arguments);

    /// <summary>Runs fraudstream with <paramref name="environment"/> set to its exit and returns what it printed.</summary>
    public static async Task<FraudstreamRun> RunAsync(IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] arguments)
    {
        using var fraudstream = Start(environment, arguments);
        var exitCode = await fraudstream.WaitForExitAsync(timeout);
        return new FraudstreamRun(exitCode, fraudstream.StandardOutput, fraudstream.StandardError, fraudstream.Transcript);
    }

    /// <summary>Waits for a stdout line that matches; fails the test if none arrives within <paramref name="timeout"/>.</summary>
    public Task<string> WaitForStdoutLineAsync(Func<string, bool> match, string description, TimeSpan timeout) =>
        WaitForLineAsync(isStdout: true, match, description, timeout);

    /// <summary>Waits for a stderr line that matches; fails the test if none arrives within <paramref name="timeout"/>.</summary>
    public Task<string> WaitForStderrLineAsync(Func<string, bool> match, string description, TimeSpan timeout) =>
        WaitForLineAsync(isStdout: false, match, description, timeout);

    /// <summary>Asks the process to stop as a service manager would: SIGTERM.</summary>
    public void SendSigterm()
    {
        if (Kill(_process.Id, Sigterm) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"kill({_process.Id}, SIGTERM) failed");
        }
    }

    /// <summary>Kills the process outright (SIGKILL), as a crash or an OOM kill would, and waits for it to be gone.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(TimeSpan.FromSeconds(10));
    }

    /// <summary>Waits for the process to exit and its output to be read to the end; fails the test past <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"fraudstream did not exit within {timeout}.\n{Transcript}");
        }

        return _process.ExitCode;
    }

    /// <summary>Kills the process (and anything it started) if it is still running: no test leaves one behind.</summary>
    public void Dispose()
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

        _process.Dispose();
    }

    private async Task<string> WaitForLineAsync(bool isStdout, Func<string, bool> match, string description, TimeSpan timeout)
    {
        var stream = isStdout ? "stdout" : "stderr";
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var found = (isStdout ? _stdout : _stderr).FirstOrDefault(match);
                if (found is not null)
                {
                    return found;
                }

                if (isStdout ? _stdoutClosed : _stderrClosed)
                {
                    break;
                }

                changed = _outputChanged.Task;
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"fraudstream did not print {description} on {stream} within {timeout}.\n{Transcript}");
            }
        }

        Assert.Fail($"fraudstream closed its {stream} (exited?) without printing {description}.\n{Transcript}");
        return "";
    }

    private void OnLine(string? line, bool isStdout)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            // A null line is the end of the stream.
            if (line is not null)
            {
                (isStdout ? _stdout : _stderr).Add(line);
            }
            else if (isStdout)
            {
                _stdoutClosed = true;
            }
            else
            {
                _stderrClosed = true;
            }

            changed = _outputChanged;
            _outputChanged = NewSignal();
        }

        changed.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
