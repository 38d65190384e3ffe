using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using FraudStream.Bench.Scorer;

namespace FraudStream.Bench.Predict;

/// <summary>What one wrk run measured.</summary>
/// <param name="RequestsPerSecond">wrk's Requests/sec.</param>
/// <param name="P50Ms">Median latency (wrk --latency).</param>
/// <param name="P99Ms">99th percentile latency.</param>
/// <param name="Requests">Requests completed.</param>
/// <param name="Failures">Non-2xx answers plus socket errors (connect, read, write, timeout).</param>
internal sealed record WrkResult(double RequestsPerSecond, double P50Ms, double P99Ms, long Requests, long Failures);

/// <summary>Runs Debian's wrk with a Lua script that POSTs a fixed JSON body with the API key, and reads its report.</summary>
internal static partial class Wrk
{
    /// <summary>Writes the Lua script for one body file: POST, Content-Type and X-API-Key, the body read once.</summary>
    public static string WriteScript(string directory, string bodyFile, string apiKey)
    {
        var script = Path.Combine(directory, Path.GetFileNameWithoutExtension(bodyFile) + ".lua");
        File.WriteAllText(script, $"""
            -- POSTs {Path.GetFileName(bodyFile)} with the benchmark's key (written by `bench predict`).
            wrk.method = "POST"
            wrk.headers["Content-Type"] = "application/json"
            wrk.headers["X-API-Key"] = "{apiKey}"
            local f = assert(io.open("{bodyFile}", "rb"))
            wrk.body = f:read("*a")
            f:close()

            """);
        return script;
    }

    /// <summary>
    /// wrk's arguments: two threads (one when there is one connection: wrk needs a connection per thread); without a
    /// script wrk sends a plain GET.
    /// </summary>
    public static string[] Arguments(int connections, int seconds, string? script, string url) =>
    [
        $"-t{Math.Min(2, connections)}", $"-c{connections}", $"-d{seconds}s", "--timeout", "5s", "--latency",
        .. script is null ? Array.Empty<string>() : ["-s", script], url,
    ];

    public static async Task<WrkResult> RunAsync(int connections, int seconds, string? script, string url)
    {
        var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in Arguments(connections, seconds, script, url))
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new BenchmarkFailedException("could not start wrk");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var report = await stdout;
        if (process.ExitCode != 0)
        {
            throw new BenchmarkFailedException($"wrk exited with code {process.ExitCode}: {await stderr}{report}");
        }

        return Parse(report);
    }

    /// <summary>Reads Requests/sec, the 50% and 99% latency lines, the request count and every kind of failure.</summary>
    public static WrkResult Parse(string report)
    {
        var rate = RequestsPerSecondLine().Match(report);
        var p50 = Percentile(report, "50");
        var p99 = Percentile(report, "99");
        var requests = RequestsLine().Match(report);
        if (!rate.Success || p50 is null || p99 is null || !requests.Success)
        {
            throw new BenchmarkFailedException($"could not read wrk's report: {report}");
        }

        long failures = 0;
        if (NonSuccessLine().Match(report) is { Success: true } non2xx)
        {
            failures += long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        if (SocketErrorsLine().Match(report) is { Success: true } socket)
        {
            failures += Enumerable.Range(1, 4).Sum(i => long.Parse(socket.Groups[i].Value, CultureInfo.InvariantCulture));
        }

        return new WrkResult(
            double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture), p50.Value, p99.Value,
            long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture), failures);
    }

    private static double? Percentile(string report, string percent)
    {
        var match = Regex.Match(report, $@"^\s+{percent}%\s+([0-9.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline);
        if (!match.Success)
        {
            return null;
        }

        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "us" => value / 1000,
            "ms" => value,
            "s" => value * 1000,
            _ => value * 60_000,
        };
    }

    [GeneratedRegex(@"^Requests/sec:\s+([0-9.]+)", RegexOptions.Multiline)]
    private static partial Regex RequestsPerSecondLine();

    [GeneratedRegex(@"^\s+(\d+) requests in ", RegexOptions.Multiline)]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccessLine();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrorsLine();
}
