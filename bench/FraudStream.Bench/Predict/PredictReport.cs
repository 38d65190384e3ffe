using System.Globalization;

namespace FraudStream.Bench.Predict;

/// <summary>
/// What a wrk run measured: ours, the ceiling (our GET /health/live), ours on a transaction that alerts (it gets its top
/// features), the peer with uvicorn's defaults, the peer at its best.
/// </summary>
internal enum Role
{
    Ours,
    Ceiling,
    OursAlert,
    Peer,
    BestPeer,
}

/// <summary>One server and path wrk is pointed at; no script means a plain GET.</summary>
internal sealed record Target(Role Role, ServerProcess Server, string Path, string? Script)
{
    public string Url => Server.BaseUrl + Path;
}

/// <summary>One wrk run: what, at how many connections, its result and the server's CPU meanwhile.</summary>
internal sealed record Cell(Target Target, int Connections, WrkResult Result, double ServerCores);

/// <summary>The predict benchmark's tables and goals, printed after every run is done.</summary>
internal static class PredictReport
{
    public static void Print(List<Cell> results)
    {
        var workers = Environment.ProcessorCount;
        Console.WriteLine();
        Console.WriteLine("| server | endpoint | connections | requests/s | transactions/s | p50 ms | p99 ms | server CPU (cores) | failed | ours/ceiling | ours/peer (1 worker) | "
                          + $"ours/peer ({workers} workers) |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var endpoint in new[] { "/predict", "/predict/batch" })
        {
            foreach (var connections in PredictBenchmark.Connections)
            {
                var ours = Find(results, Role.Ours, connections, endpoint);
                var ceiling = endpoint == "/predict" ? Find(results, Role.Ceiling, connections) : null;
                var alert = endpoint == "/predict" ? Find(results, Role.OursAlert, connections) : null;
                var peer = Find(results, Role.Peer, connections, endpoint);
                var best = Find(results, Role.BestPeer, connections, endpoint);
                foreach (var c in new[] { ours, ceiling, alert, peer, best })
                {
                    if (c is null)
                    {
                        continue;
                    }

                    var perRequest = endpoint == "/predict/batch" ? PredictBenchmark.BatchSize : 1;
                    var ratios = c == ours || c == alert
                        ? $"{(ceiling is null ? "" : Ratio(c, ceiling))} | {Ratio(c, peer)} | {Ratio(c, best)}"
                        : " | | ";
                    Console.WriteLine($"| {Label(c.Target.Role, workers)} | {(c.Target.Role == Role.Ceiling ? "GET /health/live" : endpoint)} | {connections} | "
                                      + $"{c.Result.RequestsPerSecond:N0} | {(c.Target.Role == Role.Ceiling ? "" : (c.Result.RequestsPerSecond * perRequest).ToString("N0", CultureInfo.InvariantCulture))} | "
                                      + $"{c.Result.P50Ms:0.00} | {c.Result.P99Ms:0.00} | {c.ServerCores:0.00} | {c.Result.Failures:N0} | {ratios} |");
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("/predict in short:");
        Console.WriteLine();
        Console.WriteLine($"| connections | ours requests/s | p50 ms | p99 ms | ceiling requests/s | ours/ceiling | an alert: requests/s (p99 ms) | peer, 1 worker | peer, {workers} workers |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var connections in PredictBenchmark.Connections)
        {
            var ours = Find(results, Role.Ours, connections, "/predict")!;
            var ceiling = Find(results, Role.Ceiling, connections)!;
            Console.WriteLine($"| {connections} | {ours.Result.RequestsPerSecond:N0} | {ours.Result.P50Ms:0.000} | {ours.Result.P99Ms:0.00} | {ceiling.Result.RequestsPerSecond:N0} | "
                              + $"{Ratio(ours, ceiling)} | {Alert(results, connections)} | {Find(results, Role.Peer, connections, "/predict")!.Result.RequestsPerSecond:N0} | "
                              + $"{Find(results, Role.BestPeer, connections, "/predict")!.Result.RequestsPerSecond:N0} |");
        }

        var at64 = Find(results, Role.Ours, 64, "/predict")!;
        var ceilingAt64 = Find(results, Role.Ceiling, 64)!;
        var share = at64.Result.RequestsPerSecond / ceilingAt64.Result.RequestsPerSecond;
        var p99At8 = Find(results, Role.Ours, 8, "/predict")!.Result.P99Ms;
        var p50At1 = Find(results, Role.Ours, 1, "/predict")!.Result.P50Ms;
        var overPeer = at64.Result.RequestsPerSecond / Find(results, Role.BestPeer, 64, "/predict")!.Result.RequestsPerSecond;
        Console.WriteLine();
        Console.WriteLine($"goal: /predict at 64 connections >= 0.6× the ceiling (same server's GET /health/live): {share:0.00}× — {Met(share >= 0.6)}");
        // The trivial endpoint's own tail bounds what /predict can show: wrk and the server share the cores.
        var ceilingP99At8 = Find(results, Role.Ceiling, 8)!.Result.P99Ms;
        Console.WriteLine($"goal: /predict p99 <= 1 ms at 8 connections: {p99At8:0.00} ms — {Met(p99At8 <= 1)} (the ceiling's own p99 at 8 connections: {ceilingP99At8:0.00} ms)");
        Console.WriteLine($"goal: /predict p50 at 1 connection not worse than ~0.1 ms: {p50At1:0.000} ms — {Met(p50At1 <= 0.105)}");
        Console.WriteLine($"goal: /predict at 64 connections >= 10× the peer in its best configuration ({workers} workers): {overPeer:0.0}× — {Met(overPeer >= 10)}");
        Console.WriteLine("failed = non-2xx answers plus wrk's socket errors (connect, read, write, and timeouts: a request unanswered after 5 s). "
                          + "Server CPU of the peer with workers counts its worker processes.");
    }

    private static string Alert(List<Cell> results, int connections) =>
        Find(results, Role.OursAlert, connections) is { } a ? $"{a.Result.RequestsPerSecond:N0} ({a.Result.P99Ms:0.00})" : "";

    private static Cell? Find(List<Cell> results, Role role, int connections, string? endpoint = null) =>
        results.SingleOrDefault(r => r.Target.Role == role && r.Connections == connections && (endpoint is null || r.Target.Path == endpoint));

    private static string Ratio(Cell ours, Cell? other) =>
        other is null ? "" : (ours.Result.RequestsPerSecond / other.Result.RequestsPerSecond).ToString(other.Target.Role == Role.Ceiling ? "0.00" : "0.0", CultureInfo.InvariantCulture) + "×";

    private static string Label(Role role, int workers) => role switch
    {
        Role.Ours => "fraudstream api",
        Role.Ceiling => "ceiling: fraudstream api",
        Role.OursAlert => "fraudstream api, an alert",
        Role.Peer => "FastAPI peer, 1 worker",
        _ => $"FastAPI peer, {workers} workers",
    };

    private static string Met(bool met) => met ? "met" : "NOT MET";
}
