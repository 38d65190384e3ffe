using System.Globalization;
using System.Text.Json;
using FraudStream.Bench.Scorer;
using FraudStream.Simulation;

namespace FraudStream.Bench.Predict;

/// <summary>
/// `predict [seconds] [registry]`: `fraudstream api` against the reference projects' style of service (FastAPI + uvicorn +
/// XGBoost from Debian's packages, bench/peer/predict_peer.py), same model, same requests, started and measured in the
/// same run. wrk POSTs one transaction to /predict, and 100 to /predict/batch, at 1, 8 and 64 connections; the same
/// server's GET /health/live under the same wrk settings is the ceiling line of /predict, and the peer runs twice, with
/// uvicorn's defaults (one worker) and in its best configuration here (one worker per core). Each row alternates which
/// server goes first; before measuring, every server must give the same scores for the benchmark's transactions.
/// The registry is a fresh one with <see cref="BenchModel"/> unless a directory with a production model is named.
/// </summary>
internal static class PredictBenchmark
{
    private const int DefaultSeconds = 10;
    private const int WarmUpSeconds = 3;
    private const string DebianPython = "/usr/bin/python3";

    /// <summary>Transactions in a /predict/batch request.</summary>
    public const int BatchSize = 100;

    /// <summary>The connection counts every server and endpoint is measured at.</summary>
    public static readonly int[] Connections = [1, 8, 64];

    public static async Task<int> RunAsync(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var seconds = DefaultSeconds;
        if (args.Length > 2 || (args.Length > 0 && !(int.TryParse(args[0], CultureInfo.InvariantCulture, out seconds) && seconds is >= 1 and <= 600)))
        {
            await Console.Error.WriteLineAsync("Usage: predict [seconds per wrk run, 1-600, default 10] [registry directory with a production model]");
            return 2;
        }

        var root = RepositoryRoot();
        var cliDll = Path.Combine(root, "src/FraudStream.Cli/bin/Release/net10.0/fraudstream.dll");
        var work = Path.Combine(Path.GetTempPath(), $"fsbench-predict-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(work);
        var ownRegistry = args.Length < 2;
        var registry = ownRegistry ? Path.Combine(work, "registry") : Path.GetFullPath(args[1]);
        try
        {
            if (!File.Exists(cliDll))
            {
                throw new BenchmarkFailedException($"{cliDll} is missing: run `make build` first.");
            }

            PrintHeader(args, seconds);
            Console.WriteLine(ownRegistry
                ? await BenchModel.PublishAsync(registry)
                : $"model: the production version of {registry}");

            // The benchmark's requests: generated transactions (seed 43, not the model's training data).
            var generated = new TransactionGenerator(new GeneratorOptions { Seed = 43 }).Generate(BatchSize).Select(t => t.Transaction).ToList();
            var batchFile = Path.Combine(work, "batch.json");
            await File.WriteAllBytesAsync(batchFile, PredictRequests.Batch(generated));

            var key = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
            var ourEnvironment = new Dictionary<string, string>
            {
                ["FRAUDSTREAM_Api__Keys__0"] = key,
                // The product's default, 1000 requests/s per key, would answer most of wrk's requests with 429.
                ["FRAUDSTREAM_Api__RequestsPerSecond"] = "1000000",
                ["OMP_WAIT_POLICY"] = "PASSIVE",
            };
            var peerEnvironment = new Dictionary<string, string>
            {
                ["PEER_REGISTRY"] = registry,
                ["PEER_API_KEY"] = key,
                ["PEER_THREADS"] = "1",
                ["OMP_WAIT_POLICY"] = "PASSIVE",
            };

            // The peer's best configuration here: uvloop, and one worker per core. Debian's python3-httptools (0.1.1) is
            // older than this uvicorn (0.17.6) works with, so HTTP is parsed with h11, as uvicorn does without httptools.
            string[] bestPeer = ["--workers", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), "--loop", "uvloop", "--http", "h11"];
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            using var ours = await ServerProcess.StartOursAsync(cliDll, registry, ourEnvironment);
            using var peer = ServerProcess.StartPeer("peer", DebianPython, Path.Combine(root, "bench/peer"), peerEnvironment, [], out var peerCommand);
            using var peer2 = ServerProcess.StartPeer("peer2", DebianPython, Path.Combine(root, "bench/peer"), peerEnvironment, bestPeer, out var peer2Command);
            foreach (var server in new[] { ours, peer, peer2 })
            {
                await server.WaitHealthyAsync(http, TimeSpan.FromSeconds(90));
            }

            string Shown(IEnumerable<string> command) => string.Join(' ', command.Select(a => a.StartsWith(root, StringComparison.Ordinal) ? Path.GetRelativePath(root, a) : a));
            Console.WriteLine($"ours: dotnet {Path.GetRelativePath(root, cliDll)} api --url http://127.0.0.1:0 --registry <registry> → {ours.BaseUrl} "
                              + "(FRAUDSTREAM_Api__RequestsPerSecond=1000000, OMP_WAIT_POLICY=PASSIVE; Model:PredictionThreads product default 1; "
                              + $"Model:Evaluator {Environment.GetEnvironmentVariable("FRAUDSTREAM_Model__Evaluator") ?? "product default managed"}, "
                              + "set FRAUDSTREAM_Model__Evaluator to change it)");
            Console.WriteLine($"ceiling: the same server's GET {ours.BaseUrl}/health/live (a constant JSON answer), same wrk settings, same run");
            Console.WriteLine($"peer, 1 worker (uvicorn's defaults: uvloop, h11): PEER_THREADS=1 OMP_WAIT_POLICY=PASSIVE {Shown(peerCommand)} → {peer.BaseUrl}");
            Console.WriteLine($"peer, {Environment.ProcessorCount} workers (its best here; Debian's httptools 0.1.1 is too old for uvicorn 0.17.6, so h11): "
                              + $"PEER_THREADS=1 OMP_WAIT_POLICY=PASSIVE {Shown(peer2Command)} → {peer2.BaseUrl}");

            // /predict's request: a complete transaction (terminal, both coordinates) scored below the threshold, as most
            // are; an alert also gets its top features (native XGBoost's contributions), measured on its own line.
            var complete = generated.Select((t, i) => (t, i)).Where(x => x.t.TerminalId is not null && x.t.CardholderLatitude is not null && x.t.MerchantLatitude is not null).ToList();
            var batchAnswer = (await PostAsync(http, key, ours, "/predict/batch", batchFile)).GetProperty("predictions").EnumerateArray().ToList();
            bool IsAlert(int row) => batchAnswer[row].GetProperty("is_fraud").GetBoolean();
            var single = complete.FirstOrDefault(x => !IsAlert(x.i)).t ?? generated.Where((t, i) => !IsAlert(i)).First();
            var alerting = complete.FirstOrDefault(x => IsAlert(x.i)).t ?? generated.Where((t, i) => IsAlert(i)).FirstOrDefault()
                           ?? throw new BenchmarkFailedException($"none of the {BatchSize} transactions is at or above the threshold");
            var singleFile = Path.Combine(work, "predict.json");
            var alertFile = Path.Combine(work, "alert.json");
            await File.WriteAllBytesAsync(singleFile, PredictRequests.Transaction(single));
            await File.WriteAllBytesAsync(alertFile, PredictRequests.Transaction(alerting));
            Console.WriteLine($"requests: /predict {new FileInfo(singleFile).Length} bytes (one transaction below the threshold, {single.Channel}, MCC {single.MerchantCategory}); "
                              + $"an alert {new FileInfo(alertFile).Length} bytes ({alerting.Channel}, MCC {alerting.MerchantCategory}: at or above the threshold, so it gets its top features); "
                              + $"/predict/batch {new FileInfo(batchFile).Length:N0} bytes ({BatchSize} transactions)");

            foreach (var other in new[] { peer, peer2 })
            {
                await VerifyAsync(http, key, ours, other, [singleFile, alertFile], batchFile);
            }

            var predictScript = Wrk.WriteScript(work, singleFile, key);
            var alertScript = Wrk.WriteScript(work, alertFile, key);
            var batchScript = Wrk.WriteScript(work, batchFile, key);
            var predict = new[]
            {
                new Target(Role.Ours, ours, "/predict", predictScript),
                new Target(Role.Ceiling, ours, "/health/live", null),
                new Target(Role.OursAlert, ours, "/predict", alertScript),
                new Target(Role.Peer, peer, "/predict", predictScript),
                new Target(Role.BestPeer, peer2, "/predict", predictScript),
            };
            var batch = new[]
            {
                new Target(Role.Ours, ours, "/predict/batch", batchScript),
                new Target(Role.Peer, peer, "/predict/batch", batchScript),
                new Target(Role.BestPeer, peer2, "/predict/batch", batchScript),
            };
            Console.WriteLine($"wrk: {string.Join(' ', Wrk.Arguments(64, seconds, "<script>", "<url>"))} (-t1 at 1 connection; no script for the ceiling's GET); "
                              + $"warm-up {WarmUpSeconds} s at 8 connections per server and endpoint, not counted");
            foreach (var target in predict.Concat(batch))
            {
                _ = await Wrk.RunAsync(8, WarmUpSeconds, target.Script, target.Url);
            }

            Console.WriteLine();
            var results = new List<Cell>();
            var row = 0;
            foreach (var targets in new[] { predict, batch })
            {
                foreach (var connections in Connections)
                {
                    // Alternate which server goes first, so a machine getting busier or quieter does not favour one of them;
                    // the ceiling stays next to ours either way.
                    foreach (var target in row++ % 2 == 0 ? targets : targets.Reverse())
                    {
                        var cpuBefore = target.Server.CpuTime;
                        var result = await Wrk.RunAsync(connections, seconds, target.Script, target.Url);
                        var cores = (target.Server.CpuTime - cpuBefore).TotalSeconds / seconds;
                        results.Add(new Cell(target, connections, result, cores));
                        Console.WriteLine($"{target.Server.Name,-5} {target.Path,-14} c={connections,-2}: {result.RequestsPerSecond,10:N0} requests/s, p50 {result.P50Ms:0.000} ms, "
                                          + $"p99 {result.P99Ms:0.000} ms, {result.Requests:N0} requests, server CPU {cores:0.00} cores"
                                          + (result.Failures > 0 ? $", {result.Failures:N0} FAILED (non-2xx or socket errors)" : ""));
                    }
                }
            }

            PredictReport.Print(results);

            // The peer timing out under load is a result; our api failing a request is a failed benchmark.
            return results.Any(r => r.Target.Role is Role.Ours or Role.Ceiling or Role.OursAlert && r.Result.Failures > 0) ? 1 : 0;
        }
        catch (BenchmarkFailedException e)
        {
            await Console.Error.WriteLineAsync($"Predict benchmark failed: {e.Message}");
            return 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, string key, ServerProcess server, string path, string file)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, server.BaseUrl + path)
        {
            Content = new ByteArrayContent(await File.ReadAllBytesAsync(file)),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-API-Key", key);
        using var answer = await http.SendAsync(request);
        var body = await answer.Content.ReadAsStringAsync();
        if (!answer.IsSuccessStatusCode)
        {
            throw new BenchmarkFailedException($"{server.Name} answered {path} with {(int)answer.StatusCode}: {body}; its last output: {server.LastLines()}");
        }

        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Every server must score the benchmark's transactions alike (to 1e-6), and say the same of history, before anything is measured.</summary>
    private static async Task VerifyAsync(HttpClient http, string key, ServerProcess ours, ServerProcess peer, string[] singleFiles, string batchFile)
    {
        var pairs = new List<(JsonElement Ours, JsonElement Peer)>();
        foreach (var file in singleFiles)
        {
            pairs.Add((await PostAsync(http, key, ours, "/predict", file), await PostAsync(http, key, peer, "/predict", file)));
        }

        var (mine, theirs) = pairs[0];
        var myBatch = (await PostAsync(http, key, ours, "/predict/batch", batchFile)).GetProperty("predictions").EnumerateArray().ToList();
        var theirBatch = (await PostAsync(http, key, peer, "/predict/batch", batchFile)).GetProperty("predictions").EnumerateArray().ToList();
        if (myBatch.Count != BatchSize || theirBatch.Count != BatchSize)
        {
            throw new BenchmarkFailedException($"batch answers have {myBatch.Count} (ours) and {theirBatch.Count} ({peer.Name}) predictions, not {BatchSize}");
        }

        pairs.AddRange(myBatch.Zip(theirBatch));
        var worst = 0.0;
        foreach (var (a, b) in pairs)
        {
            var difference = Math.Abs(a.GetProperty("score").GetDouble() - b.GetProperty("score").GetDouble());
            worst = Math.Max(worst, difference);
            if (difference > 1e-6 || a.GetProperty("is_fraud").GetBoolean() != b.GetProperty("is_fraud").GetBoolean()
                || a.GetProperty("model_version").GetString() != b.GetProperty("model_version").GetString()
                || a.GetProperty("history").GetString() != b.GetProperty("history").GetString())
            {
                throw new BenchmarkFailedException($"the servers disagree: ours {a}, {peer.Name} {b}");
            }
        }

        var alerts = myBatch.Count(p => p.GetProperty("is_fraud").GetBoolean());
        Console.WriteLine($"check: same scores from ours and {peer.Name} for the /predict transaction and the alert (ours {mine.GetProperty("score").GetDouble():0.0000000}, "
                          + $"{peer.Name} {theirs.GetProperty("score").GetDouble():0.0000000}) and all {BatchSize} batch transactions ({alerts} at or above the threshold); "
                          + $"largest difference {worst:0.0e+0}, model {mine.GetProperty("model_version").GetString()}, history features {mine.GetProperty("history").GetString()}");
    }

    private static void PrintHeader(string[] args, int seconds)
    {
        Console.WriteLine($"command: {RuntimeSettings.Command($"dotnet run -c Release --project bench/FraudStream.Bench -- predict {string.Join(' ', args)}")}".TrimEnd());
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores shared by both servers and wrk, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start, "
                          + $".NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine($"runs: wrk for {seconds} s per server, endpoint and connection count ({string.Join(", ", Connections)}), servers alternating which goes first");
    }

    /// <summary>The checkout this benchmark was built in (where FraudStream.sln is), or the working directory.</summary>
    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FraudStream.sln")))
            {
                return directory.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
