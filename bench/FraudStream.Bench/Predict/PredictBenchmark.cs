using System.Globalization;
using System.Text.Json;
using FraudStream.Bench.Scorer;
using FraudStream.Core.Generation;
using FraudStream.Core.Transactions;

namespace FraudStream.Bench.Predict;

/// <summary>
/// `predict [seconds] [registry]`: `fraudstream api` against the reference projects' style of service (FastAPI + uvicorn +
/// XGBoost from Debian's packages, bench/peer/predict_peer.py), same model, same requests, started and measured in the
/// same run. wrk POSTs one transaction to /predict, and 100 to /predict/batch, at 1, 8 and 64 connections, alternating
/// which server goes first; before measuring, both must give the same scores for the benchmark's transactions.
/// The registry is a fresh one with <see cref="BenchModel"/> unless a directory with a production model is named.
/// </summary>
internal static class PredictBenchmark
{
    private const int DefaultSeconds = 10;
    private const int BatchSize = 100;
    private const int WarmUpSeconds = 3;
    private const string DebianPython = "/usr/bin/python3";
    private static readonly int[] s_connections = [1, 8, 64];

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
            var single = generated.FirstOrDefault(t => t.TerminalId is not null && t.CardholderLatitude is not null && t.MerchantLatitude is not null) ?? generated[0];
            var singleFile = Path.Combine(work, "predict.json");
            var batchFile = Path.Combine(work, "batch.json");
            await File.WriteAllBytesAsync(singleFile, Json.Transaction(single));
            await File.WriteAllBytesAsync(batchFile, Json.Batch(generated));
            Console.WriteLine($"requests: /predict {new FileInfo(singleFile).Length} bytes (one transaction, {single.Channel}, MCC {single.MerchantCategory}); "
                              + $"/predict/batch {new FileInfo(batchFile).Length:N0} bytes ({BatchSize} transactions)");

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

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            using var ours = await ServerProcess.StartOursAsync(cliDll, registry, ourEnvironment);
            using var peer = ServerProcess.StartPeer(DebianPython, Path.Combine(root, "bench/peer"), peerEnvironment, out var peerCommand);
            await ours.WaitHealthyAsync(http, TimeSpan.FromSeconds(60));
            await peer.WaitHealthyAsync(http, TimeSpan.FromSeconds(60));
            Console.WriteLine($"ours: dotnet {Path.GetRelativePath(root, cliDll)} api --url http://127.0.0.1:0 --registry <registry> → {ours.BaseUrl} "
                              + "(FRAUDSTREAM_Api__RequestsPerSecond=1000000, OMP_WAIT_POLICY=PASSIVE; Model:PredictionThreads product default 1; "
                              + $"Model:Evaluator {Environment.GetEnvironmentVariable("FRAUDSTREAM_Model__Evaluator") ?? "product default managed"}, "
                              + "set FRAUDSTREAM_Model__Evaluator to change it)");
            Console.WriteLine($"peer: PEER_THREADS=1 OMP_WAIT_POLICY=PASSIVE {string.Join(' ', peerCommand.Select(a => a.StartsWith(root, StringComparison.Ordinal) ? Path.GetRelativePath(root, a) : a))} → {peer.BaseUrl}");

            await VerifyAsync(http, key, ours, peer, singleFile, batchFile);

            var scripts = new Dictionary<string, string>
            {
                ["/predict"] = Wrk.WriteScript(work, singleFile, key),
                ["/predict/batch"] = Wrk.WriteScript(work, batchFile, key),
            };
            Console.WriteLine($"wrk: {string.Join(' ', Wrk.Arguments(64, seconds, "<script>", "<url>"))} (-t1 at 1 connection); "
                              + $"warm-up {WarmUpSeconds} s at 8 connections per server and endpoint, not counted");
            foreach (var server in new[] { ours, peer })
            {
                foreach (var (endpoint, script) in scripts)
                {
                    _ = await Wrk.RunAsync(8, WarmUpSeconds, script, server.BaseUrl + endpoint);
                }
            }

            Console.WriteLine();
            var results = new List<Cell>();
            var cell = 0;
            foreach (var endpoint in scripts.Keys)
            {
                foreach (var connections in s_connections)
                {
                    // Alternate which server goes first, so a machine getting busier or quieter does not favour one of them.
                    var order = cell++ % 2 == 0 ? new[] { ours, peer } : [peer, ours];
                    foreach (var server in order)
                    {
                        var cpuBefore = server.CpuTime;
                        var result = await Wrk.RunAsync(connections, seconds, scripts[endpoint], server.BaseUrl + endpoint);
                        var cores = (server.CpuTime - cpuBefore).TotalSeconds / seconds;
                        var measured = new Cell(server.Name, endpoint, connections, result, cores);
                        results.Add(measured);
                        Console.WriteLine($"{server.Name,-4} {endpoint,-14} c={connections,-2}: {result.RequestsPerSecond,10:N0} requests/s, p50 {result.P50Ms:0.000} ms, "
                                          + $"p99 {result.P99Ms:0.000} ms, {result.Requests:N0} requests, server CPU {cores:0.00} cores"
                                          + (result.Failures > 0 ? $", {result.Failures:N0} FAILED (non-2xx or socket errors)" : ""));
                    }
                }
            }

            PrintTable(results);

            // The peer timing out under load is a result; our api failing a request is a failed benchmark.
            return results.Any(r => r.Server == "ours" && r.Result.Failures > 0) ? 1 : 0;
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

    private sealed record Cell(string Server, string Endpoint, int Connections, WrkResult Result, double ServerCores);

    /// <summary>Both servers must score the benchmark's transactions alike (to 1e-6) before anything is measured.</summary>
    private static async Task VerifyAsync(HttpClient http, string key, ServerProcess ours, ServerProcess peer, string singleFile, string batchFile)
    {
        async Task<JsonElement> PostAsync(ServerProcess server, string path, string file)
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

        var mine = await PostAsync(ours, "/predict", singleFile);
        var theirs = await PostAsync(peer, "/predict", singleFile);
        var pairs = new List<(JsonElement Ours, JsonElement Peer)> { (mine, theirs) };
        var myBatch = (await PostAsync(ours, "/predict/batch", batchFile)).GetProperty("predictions").EnumerateArray().ToList();
        var theirBatch = (await PostAsync(peer, "/predict/batch", batchFile)).GetProperty("predictions").EnumerateArray().ToList();
        if (myBatch.Count != BatchSize || theirBatch.Count != BatchSize)
        {
            throw new BenchmarkFailedException($"batch answers have {myBatch.Count} (ours) and {theirBatch.Count} (peer) predictions, not {BatchSize}");
        }

        pairs.AddRange(myBatch.Zip(theirBatch));
        var worst = 0.0;
        foreach (var (a, b) in pairs)
        {
            var difference = Math.Abs(a.GetProperty("score").GetDouble() - b.GetProperty("score").GetDouble());
            worst = Math.Max(worst, difference);
            if (difference > 1e-6 || a.GetProperty("is_fraud").GetBoolean() != b.GetProperty("is_fraud").GetBoolean()
                || a.GetProperty("model_version").GetString() != b.GetProperty("model_version").GetString())
            {
                throw new BenchmarkFailedException($"the servers disagree: ours {a}, peer {b}");
            }
        }

        var alerts = myBatch.Count(p => p.GetProperty("is_fraud").GetBoolean());
        Console.WriteLine($"check: same scores from both for the /predict transaction (ours {mine.GetProperty("score").GetDouble():0.0000000}, "
                          + $"peer {theirs.GetProperty("score").GetDouble():0.0000000}) and all {BatchSize} batch transactions ({alerts} at or above the threshold); "
                          + $"largest difference {worst:0.0e+0}, model {mine.GetProperty("model_version").GetString()}");
    }

    private static void PrintHeader(string[] args, int seconds)
    {
        Console.WriteLine($"command: OMP_WAIT_POLICY=PASSIVE dotnet run -c Release --project bench/FraudStream.Bench -- predict {string.Join(' ', args)}".TrimEnd());
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores shared by both servers and wrk, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start, "
                          + $".NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine($"runs: wrk for {seconds} s per server, endpoint and connection count ({string.Join(", ", s_connections)}), servers alternating which goes first");
    }

    private static void PrintTable(List<Cell> results)
    {
        Console.WriteLine();
        Console.WriteLine("| server | endpoint | connections | requests/s | transactions/s | p50 ms | p99 ms | server CPU (cores) | failed | ours/peer requests/s |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var endpoint in results.Select(r => r.Endpoint).Distinct())
        {
            foreach (var connections in s_connections)
            {
                var o = results.Single(r => r.Server == "ours" && r.Endpoint == endpoint && r.Connections == connections);
                var p = results.Single(r => r.Server == "peer" && r.Endpoint == endpoint && r.Connections == connections);
                var ratio = o.Result.RequestsPerSecond / p.Result.RequestsPerSecond;
                foreach (var c in new[] { o, p })
                {
                    var perRequest = endpoint == "/predict/batch" ? BatchSize : 1;
                    Console.WriteLine($"| {(c.Server == "ours" ? "fraudstream api" : "FastAPI peer")} | {endpoint} | {connections} | {c.Result.RequestsPerSecond:N0} | "
                                      + $"{c.Result.RequestsPerSecond * perRequest:N0} | {c.Result.P50Ms:0.00} | {c.Result.P99Ms:0.00} | {c.ServerCores:0.00} | {c.Result.Failures:N0} | "
                                      + $"{(c == o ? ratio.ToString("0.0", CultureInfo.InvariantCulture) + "×" : "")} |");
                }
            }
        }

        var at64 = results.Single(r => r.Server == "ours" && r.Endpoint == "/predict" && r.Connections == 64).Result.RequestsPerSecond
                   / results.Single(r => r.Server == "peer" && r.Endpoint == "/predict" && r.Connections == 64).Result.RequestsPerSecond;
        var p99At8 = results.Single(r => r.Server == "ours" && r.Endpoint == "/predict" && r.Connections == 8).Result.P99Ms;
        Console.WriteLine();
        Console.WriteLine($"goal: /predict at 64 connections >= 10× the peer's requests/s: {at64:0.0}× — {(at64 >= 10 ? "met" : "NOT MET")}");
        Console.WriteLine($"goal: /predict p99 <= 2 ms at 8 connections: {p99At8:0.00} ms — {(p99At8 <= 2 ? "met" : "NOT MET")}");
        Console.WriteLine("failed = non-2xx answers plus wrk's socket errors (connect, read, write, and timeouts: a request unanswered after 5 s).");
    }

    private static string RepositoryRoot()
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

    /// <summary>/predict's JSON (the snake_case fields of schemas/transaction.avsc), written once per benchmark.</summary>
    private static class Json
    {
        public static byte[] Transaction(Transaction t)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                Write(writer, t);
            }

            return buffer.ToArray();
        }

        public static byte[] Batch(IEnumerable<Transaction> transactions)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteStartArray("transactions");
                foreach (var t in transactions)
                {
                    Write(writer, t);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            return buffer.ToArray();
        }

        private static void Write(Utf8JsonWriter w, Transaction t)
        {
            w.WriteStartObject();
            w.WriteString("transaction_id", t.TransactionId);
            w.WriteString("card_id", t.CardId);
            w.WriteString("event_time", t.EventTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            w.WriteNumber("amount", t.Amount);
            w.WriteString("currency", t.Currency);
            w.WriteString("merchant_id", t.MerchantId);
            w.WriteString("merchant_category", t.MerchantCategory);
            w.WriteString("channel", t.Channel.ToString().ToUpperInvariant());
            w.WriteBoolean("card_present", t.CardPresent!.Value);
            Optional(w, "terminal_id", t.TerminalId);
            Optional(w, "merchant_country", t.MerchantCountry);
            Optional(w, "merchant_latitude", t.MerchantLatitude);
            Optional(w, "merchant_longitude", t.MerchantLongitude);
            Optional(w, "cardholder_latitude", t.CardholderLatitude);
            Optional(w, "cardholder_longitude", t.CardholderLongitude);
            w.WriteEndObject();
        }

        private static void Optional(Utf8JsonWriter w, string name, string? value)
        {
            if (value is not null)
            {
                w.WriteString(name, value);
            }
        }

        private static void Optional(Utf8JsonWriter w, string name, double? value)
        {
            if (value is { } v)
            {
                w.WriteNumber(name, v);
            }
        }
    }
}
