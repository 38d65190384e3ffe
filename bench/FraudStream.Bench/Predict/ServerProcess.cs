using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using FraudStream.Bench.Scorer;

namespace FraudStream.Bench.Predict;

/// <summary>A server the predict benchmark started: its base URL, its CPU time, and it is killed (with its children) on dispose.</summary>
internal sealed partial class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();

    private ServerProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>"ours", or the peer's name ("peer", "peer2").</summary>
    public string Name { get; }

    /// <summary>http://127.0.0.1:port, once known.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>
    /// CPU time the server has used so far: its process and every process below it (uvicorn's workers), all threads.
    /// A child that exits between two readings takes its time with it; the servers' children live as long as they do.
    /// </summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            var total = _process.TotalProcessorTime;
            foreach (var pid in Descendants(_process.Id))
            {
                try
                {
                    using var child = Process.GetProcessById(pid);
                    total += child.TotalProcessorTime;
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    // exited meanwhile
                }
            }

            return total;
        }
    }

    /// <summary>
    /// Starts `fraudstream api` on 127.0.0.1, port 0 (a free one), and waits for "API listening on &lt;url&gt;".
    /// </summary>
    public static async Task<ServerProcess> StartOursAsync(string cliDll, string registry, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { cliDll, "api", "--url", "http://127.0.0.1:0", "--registry", registry })
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var server = new ServerProcess("ours", Process.Start(start) ?? throw new BenchmarkFailedException("could not start dotnet"));
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Follow(line =>
        {
            if (ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(match.Groups[1].Value);
            }
        });
        server.BaseUrl = await server.WaitAsync(listening.Task, TimeSpan.FromSeconds(60), "API listening on <url>");
        return server;
    }

    /// <summary>
    /// Starts the FastAPI peer under uvicorn on a free loopback port: with no <paramref name="options"/>, uvicorn's
    /// defaults (one worker; its event loop uvloop, which it picks by itself when installed), else those options
    /// (e.g. --workers, --loop, --http).
    /// </summary>
    public static ServerProcess StartPeer(
        string name, string python, string peerDirectory, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> options,
        out IReadOnlyList<string> command)
    {
        var port = FreePort();
        string[] arguments =
        [
            "-m", "uvicorn", "predict_peer:app", "--app-dir", peerDirectory, "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            .. options, "--log-level", "warning", "--no-access-log",
        ];
        command = [python, .. arguments];
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var server = new ServerProcess(name, Process.Start(start) ?? throw new BenchmarkFailedException($"could not start {python}"))
        {
            BaseUrl = $"http://127.0.0.1:{port}",
        };
        server.Follow(_ => { });
        return server;
    }

    /// <summary>Waits until GET /health answers 200.</summary>
    public async Task WaitHealthyAsync(HttpClient http, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new BenchmarkFailedException($"{Name} exited with code {_process.ExitCode}: {LastLines()}");
            }

            try
            {
                using var answer = await http.GetAsync(new Uri(BaseUrl + "/health"));
                if (answer.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        throw new BenchmarkFailedException($"{Name} did not become healthy at {BaseUrl}/health within {timeout.TotalSeconds:0} s: {LastLines()}");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        _process.Dispose();
    }

    /// <summary>The processes below <paramref name="root"/>, from each one's parent in /proc/&lt;pid&gt;/stat.</summary>
    private static List<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), System.Globalization.CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after its last ')'.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // exited meanwhile
            }
        }

        var found = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var (pid, ppid) in parents)
            {
                if (ppid == parent)
                {
                    found.Add(pid);
                    frontier.Enqueue(pid);
                }
            }
        }

        return found;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Follow(Action<string> onStdout)
    {
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                Remember(line);
                onStdout(line);
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                Remember(line);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private async Task<string> WaitAsync(Task<string> task, TimeSpan timeout, string what)
    {
        var exited = _process.WaitForExitAsync();
        var finished = await Task.WhenAny(task, exited, Task.Delay(timeout));
        if (finished == task)
        {
            return await task;
        }

        throw new BenchmarkFailedException(
            $"{Name} {(finished == exited ? $"exited with code {_process.ExitCode}" : $"printed no '{what}' within {timeout.TotalSeconds:0} s")}: {LastLines()}");
    }

    private void Remember(string line)
    {
        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > 20)
            {
                _lastLines.Dequeue();
            }
        }
    }

    public string LastLines()
    {
        lock (_lastLines)
        {
            return string.Join(" | ", _lastLines);
        }
    }

    [GeneratedRegex(@"API listening on (http://\S+)")]
    private static partial Regex ListeningLine();
}
