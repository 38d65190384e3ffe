using System.Diagnostics;
using System.Text;

namespace FraudStream.Testing;

/// <summary>Runs Prometheus's own `promtool check metrics` (Debian's prometheus package) on a scrape.</summary>
public static class Promtool
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public sealed record Result(int ExitCode, string Output);

    public static async Task<Result> CheckMetricsAsync(string scrape)
    {
        var promtool = FindOnPath("promtool");
        if (promtool is null)
        {
            // A missing checker must fail, not skip: a skipped lint proves nothing.
            Assert.Fail("promtool is not on PATH: run `make deps` to install Debian's prometheus package.");
        }

        var start = new ProcessStartInfo(promtool!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            StandardInputEncoding = new UTF8Encoding(false),
            UseShellExecute = false,
        };
        start.ArgumentList.Add("check");
        start.ArgumentList.Add("metrics");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(scrape);
        process.StandardInput.Close();

        using var limit = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"promtool check metrics did not finish within {Limit.TotalSeconds} s.");
        }

        // promtool prints lint problems on stderr and exits 3; either stream counts as output.
        return new Result(process.ExitCode, (await stdout + await stderr).Trim());
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
