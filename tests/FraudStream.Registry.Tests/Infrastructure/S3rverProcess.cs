using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace FraudStream.Registry.Tests.Infrastructure;

/// <summary>
/// The npm package s3rver (an S3-compatible server, installed by <c>make deps</c>) running as a child process on a free
/// loopback port, with its data in a temp directory; dispose kills it and deletes the data.
/// </summary>
internal sealed partial class S3rverProcess : IAsyncDisposable
{
    /// <summary>s3rver's fixed credentials: it checks the access key id (403 InvalidAccessKeyId otherwise), not the V4 signature.</summary>
    public const string AccessKey = "S3RVER";

    /// <inheritdoc cref="AccessKey"/>
    public const string SecretKey = "S3RVER";

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(30);

    // Servers not yet disposed; killed if the test host exits without tearing its fixtures down.
    private static readonly HashSet<Process> Running = [];

    static S3rverProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllRunning();

    private readonly Process _process;
    private readonly TempDirectory _data;
    private readonly StringBuilder _stderr;

    private S3rverProcess(Process process, TempDirectory data, StringBuilder stderr, int port)
    {
        _process = process;
        _data = data;
        _stderr = stderr;
        Port = port;
    }

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>Its endpoint, for <c>S3ModelStoreOptions.ServiceUrl</c>.</summary>
    public string ServiceUrl => $"http://127.0.0.1:{Port}";

    /// <summary>Starts s3rver with <paramref name="bucket"/> created, and returns once it accepts connections.</summary>
    public static async Task<S3rverProcess> StartAsync(string bucket)
    {
        var executable = Path.Combine(RepositoryRoot.Find(), ".deps", "node", "node_modules", ".bin", "s3rver");
        if (!File.Exists(executable))
        {
            Assert.Fail($"s3rver is not installed at {executable}; run make deps.");
        }

        var data = new TempDirectory("s3rver");
        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };

        // s3rver 3.7.1 signs ListObjectsV2 continuation tokens with DES, which Node 17+ (OpenSSL 3) only offers through
        // its legacy provider: without it, any listing longer than one page fails with 500 InternalError.
        start.Environment.TryGetValue("NODE_OPTIONS", out var nodeOptions);
        start.Environment["NODE_OPTIONS"] = $"{nodeOptions} --openssl-legacy-provider".TrimStart();

        // Port 0: the kernel picks a free port and s3rver announces it, so two test runs never race for one.
        foreach (var argument in new[] { "--address", "127.0.0.1", "--port", "0", "--directory", data.Path, "--silent", "--configure-bucket", bucket })
        {
            start.ArgumentList.Add(argument);
        }

        var stderr = new StringBuilder();
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            data.Dispose();
            throw new InvalidOperationException($"Could not run {executable} ({ex.Message}): it needs node on the PATH; run make deps.", ex);
        }
        catch
        {
            data.Dispose();
            throw;
        }

        lock (Running)
        {
            Running.Add(process);
        }

        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();

        try
        {
            using var deadline = new CancellationTokenSource(StartDeadline);
            var port = await ReadAnnouncedPortAsync(process, deadline.Token);
            await WaitUntilAcceptingAsync(port, deadline.Token);

            // Keep draining stdout so s3rver can never block on a full pipe.
            _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            return new S3rverProcess(process, data, stderr, port);
        }
        catch (Exception ex)
        {
            var failed = new S3rverProcess(process, data, stderr, port: 0);
            var errors = failed.StandardError;
            await failed.DisposeAsync();
            throw new InvalidOperationException($"s3rver did not start within {StartDeadline.TotalSeconds} s: {ex.Message} {errors}", ex);
        }
    }

    private string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString().Trim();
            }
        }
    }

    /// <summary>Kills s3rver (and anything it started), waits for it to exit, and deletes its data.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync();
        }
        finally
        {
            lock (Running)
            {
                Running.Remove(_process);
            }

            _process.Dispose();
            _data.Dispose();
        }
    }

    private static void KillAllRunning()
    {
        lock (Running)
        {
            foreach (var process in Running)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // Already exited.
                }
            }
        }
    }

    private static async Task<int> ReadAnnouncedPortAsync(Process process, CancellationToken cancellationToken)
    {
        while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            var match = ListeningLine().Match(line);
            if (match.Success)
            {
                return int.Parse(match.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"s3rver exited with code {process.ExitCode} before it listened.");
    }

    private static async Task WaitUntilAcceptingAsync(int port, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            }
        }
    }

    [GeneratedRegex(@"listening on [^\s]+:(\d+)")]
    private static partial Regex ListeningLine();
}
