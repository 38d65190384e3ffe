using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using FraudStream.Cli.Hosting;
using FraudStream.Registry;

namespace FraudStream.Cli.Demo;

/// <summary>What `fraudstream demo` runs: how long the load generator produces, how fast, its producer's linger (null: loadgen's default), and which model registry.</summary>
internal sealed record DemoSettings(TimeSpan Duration, double Rate, string Registry, double? LingerMs);

/// <summary>
/// The whole pipeline on one machine, each part a child process of this executable: the development broker, a model
/// (trained on generated data when the registry has none in production), the exactly-once scorer, the /predict API, the
/// alerts follower and the load generator; then a summary from the scorer's /metrics and the load generator's report.
/// Every child is stopped (SIGTERM in reverse start order, SIGKILL past a grace period) however the demo ends.
/// </summary>
internal sealed class DemoPipeline : IDisposable
{
    private const int AlertRowsShown = 20;
    private const int TrainingRows = 100_000;
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan s_startLimit = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_catchUpLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_stopGrace = TimeSpan.FromSeconds(15);

    // The example request and answer are shown to a person: no \u002B for '+'. It is the demo's own data, never echoed into HTML.

    // A terminal's Ctrl+C reaches every process of its group at once: a child may exit on it before this process's own
    // handler has run. An exit within this window of a stop request is part of the stop, not a failure.
    private static readonly TimeSpan s_signalRace = TimeSpan.FromSeconds(2);

    private readonly DemoSettings _settings;
    private readonly CancellationToken _stopping;
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("fraudstream-demo-");
    private readonly List<DemoChild> _running = [];
    private readonly TaskCompletionSource<DemoChild> _childDied = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Dictionary<string, string> _environment;
    private readonly TimeProvider _time = TimeProvider.System;
    private readonly string _registry;
    private readonly Task _stopRequested;
    private volatile bool _stoppingChildren;
    private int _alertRows;

    private DemoPipeline(DemoSettings settings, CancellationToken stopping)
    {
        _settings = settings;
        _stopping = stopping;
        _stopRequested = Task.Delay(Timeout.Infinite, stopping);
        _registry = settings.Registry.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) ? settings.Registry : Path.GetFullPath(settings.Registry);

        // XGBoost's OpenMP threads spin while idle by default: four processes on a small machine would starve each other.
        _environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null)
        {
            _environment["OMP_WAIT_POLICY"] = "PASSIVE";
        }
    }

    /// <summary>Runs the demo to its summary. Exit codes: 0 when it finished or was stopped by Ctrl+C/SIGTERM, 1 when a part failed.</summary>
    public static async Task<int> RunAsync(DemoSettings settings)
    {
        using var termination = new TerminationSignal();
        using var demo = new DemoPipeline(settings, termination.Token);
        var exitCode = 0;
        try
        {
            await demo.ExecuteAsync();
        }
        catch (OperationCanceledException) when (termination.Token.IsCancellationRequested)
        {
            Console.WriteLine("[demo] Stop requested: stopping everything.");
        }
        catch (DemoFailure e)
        {
            exitCode = 1;
            demo._stoppingChildren = true;
            await Console.Error.WriteLineAsync($"The demo failed: {e.Message}");
            if (e.Child is { } child)
            {
                foreach (var line in child.RecentLines)
                {
                    await Console.Error.WriteLineAsync($"[{child.Name}] {line}");
                }
            }
        }
        finally
        {
            await demo.StopAllAsync();
        }

        return exitCode;
    }

    public void Dispose()
    {
        foreach (var child in _running)
        {
            child.Dispose();
        }

        _http.Dispose();
        try
        {
            _scratch.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Something still holds a file; the OS cleans its temporary directory eventually.
        }
    }

    private async Task ExecuteAsync()
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[demo] FraudStream demo: broker, model, scorer, API, alerts, then {_settings.Duration.TotalSeconds:0.#} s of load at {_settings.Rate:N0} transactions/s. Ctrl+C stops everything."));

        var bootstrap = await StartBrokerAsync();
        Console.WriteLine($"[demo] Development broker up at {bootstrap}.");
        await EnsureModelAsync();
        var scorerUrl = await StartScorerAsync(bootstrap);
        var (apiUrl, apiKey) = await StartApiAsync();
        await StartAlertsAsync(bootstrap);

        var progress = new ScoringProgress(_time);
        var report = await RunLoadgenAsync(bootstrap, scorerUrl, progress);
        var metrics = await WaitForScorerToCatchUpAsync(scorerUrl, report.Acknowledged, progress);
        if (_alertRows > AlertRowsShown)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[alerts] ... {_alertRows - AlertRowsShown:N0} more alert(s) arrived after the first {AlertRowsShown} shown."));
        }

        var (request, answer) = await PredictExampleAsync(apiUrl, apiKey);
        DemoReport.PrintSummary(report, metrics, progress.ScoringTime, _alertRows, request, answer);
    }

    /// <summary>Starts the broker (its default topics: transactions, alerts, dead letters, labels, card-history changelog) and returns its bootstrap servers.</summary>
    private async Task<string> StartBrokerAsync()
    {
        var file = Path.Combine(_scratch.FullName, "bootstrap.txt");
        var broker = Start("broker", ["broker", "--bootstrap-file", file], service: true, (line, isStdout) =>
            !isStdout
            || line.StartsWith("FraudStream DEVELOPMENT", StringComparison.Ordinal)
            || line.StartsWith("Not for production", StringComparison.Ordinal)
            || line.StartsWith("Topics:", StringComparison.Ordinal));
        // The broker writes the file before it prints the banner that names it.
        await WhileRunningAsync(broker.WaitForLineAsync(l => l.StartsWith("Bootstrap file: ", StringComparison.Ordinal), "its bootstrap file", _stopping));
        return (await File.ReadAllTextAsync(file, _stopping)).Trim();
    }

    /// <summary>Trains a model on generated data when the registry has no production model.</summary>
    private async Task EnsureModelAsync()
    {
        ProductionAlias? production;
        try
        {
            production = await new ModelRegistry(ModelStores.Open(_registry), _time).GetProductionAsync(_stopping);
        }
        catch (Exception e) when (e is ArgumentException or ModelRegistryException)
        {
            throw new DemoFailure($"cannot read the model registry '{_registry}': {e.Message}");
        }

        if (production is not null)
        {
            Console.WriteLine($"[demo] Model registry {_registry}: production model {production.Version}.");
            return;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[demo] Model registry {_registry} has no production model: training one on {TrainingRows:N0} generated transactions."));
        var data = Path.Combine(_scratch.FullName, "training.csv");
        await RunToEndAsync(Start(
            "generate", ["generate", "--rows", TrainingRows.ToString(CultureInfo.InvariantCulture), "--seed", "42", "--out", data], service: false, (_, _) => true));
        await RunToEndAsync(Start("train", ["train", "--data", data, "--registry", _registry], service: false, (line, _) =>
            line.StartsWith("Read ", StringComparison.Ordinal)
            || line.StartsWith("Alert threshold", StringComparison.Ordinal)
            || line.StartsWith("| test ", StringComparison.Ordinal)
            || line.StartsWith("Published ", StringComparison.Ordinal)
            || line.Contains("romoted", StringComparison.Ordinal)));
    }

    /// <summary>Starts the exactly-once scorer and returns its management URL once /health/ready answers 200.</summary>
    private async Task<Uri> StartScorerAsync(string bootstrap)
    {
        var scorer = Start(
            "scorer",
            ["score", "--bootstrap-servers", bootstrap, "--transactional-id", "demo-scorer-0", "--registry", _registry, "--management-url", "http://127.0.0.1:0"],
            service: true,
            (line, isStdout) => isStdout || IsNotable(line));
        const string banner = "Scorer management endpoint: ";
        var line = await WhileRunningAsync(scorer.WaitForLineAsync(l => l.StartsWith(banner, StringComparison.Ordinal), "its management endpoint", _stopping));
        var url = new Uri(line[banner.Length..].Split(' ')[0]);
        await WaitUntilOkAsync(scorer, new Uri(url, "/health/ready"), "ready (model loaded, partitions assigned)");
        Console.WriteLine($"[demo] Scorer ready: {url}health/ready answers 200.");
        return url;
    }

    /// <summary>Starts the API with a fresh key and returns its URL and the key once /health answers 200.</summary>
    private async Task<(Uri Url, string Key)> StartApiAsync()
    {
        var key = "demo-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var api = Start("api", ["api", "--registry", _registry, "--url", "http://127.0.0.1:0"], service: true, (line, isStdout) => isStdout || IsNotable(line),
            new Dictionary<string, string> { ["FRAUDSTREAM_Api__Keys__0"] = key });
        const string banner = "API listening on ";
        var line = await WhileRunningAsync(api.WaitForLineAsync(l => l.StartsWith(banner, StringComparison.Ordinal), "its address", _stopping));
        var url = new Uri(line[banner.Length..].Split(' ')[0]);
        await WaitUntilOkAsync(api, new Uri(url, "/health"), "ready (model loaded)");
        Console.WriteLine($"[demo] API ready: {url}health answers 200.");
        return (url, key);
    }

    /// <summary>Starts `fraudstream alerts`, showing the first alerts and counting the rest; returns once it reads the topic.</summary>
    private async Task StartAlertsAsync(string bootstrap)
    {
        var alerts = Start("alerts", ["alerts", "--bootstrap-servers", bootstrap], service: true, (line, isStdout) =>
        {
            if (!isStdout)
            {
                return true;
            }

            if (line.StartsWith("SCORED", StringComparison.Ordinal))
            {
                return true;
            }

            return Interlocked.Increment(ref _alertRows) <= AlertRowsShown;
        });
        await WhileRunningAsync(alerts.WaitForLineAsync(l => l.StartsWith("Following ", StringComparison.Ordinal), "that it follows the alerts", _stopping));
    }

    /// <summary>Runs the load generator to its end, watching the scorer's progress meanwhile.</summary>
    private async Task<LoadReport> RunLoadgenAsync(string bootstrap, Uri scorerUrl, ScoringProgress progress)
    {
        var seconds = _settings.Duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        string[] linger = _settings.LingerMs is { } ms ? ["--linger-ms", ms.ToString(CultureInfo.InvariantCulture)] : [];
        var loadgen = Start(
            "loadgen",
            ["loadgen", "--bootstrap-servers", bootstrap, "--rate", _settings.Rate.ToString(CultureInfo.InvariantCulture), "--duration", seconds + "s", "--follow-alerts", .. linger],
            service: false,
            (_, _) => true);
        using (var done = new CancellationTokenSource())
        {
            var watching = WatchScoringAsync(scorerUrl, progress, done.Token);
            try
            {
                await RunToEndAsync(loadgen);
            }
            finally
            {
                await done.CancelAsync();
                await watching;
            }
        }

        return LoadReport.From(loadgen.LinesMatching(l => l.Contains(':', StringComparison.Ordinal)));
    }

    /// <summary>Samples the scorer's counters until <paramref name="done"/>, so the summary knows when scoring stopped advancing.</summary>
    private async Task WatchScoringAsync(Uri scorerUrl, ScoringProgress progress, CancellationToken done)
    {
        try
        {
            while (true)
            {
                try
                {
                    progress.Observe(PipelineMetrics.Parse(await _http.GetStringAsync(new Uri(scorerUrl, "/metrics"), done)));
                }
                catch (HttpRequestException)
                {
                    // A failing scorer is the watch over its process's business; this only samples.
                }

                await Task.Delay(s_pollInterval, _time, done);
            }
        }
        catch (OperationCanceledException)
        {
            // The load generator is done.
        }
    }

    /// <summary>Waits until the scorer has committed every record the load generator had acknowledged, and returns its counters.</summary>
    private async Task<PipelineMetrics> WaitForScorerToCatchUpAsync(Uri scorerUrl, long acknowledged, ScoringProgress progress)
    {
        var started = _time.GetTimestamp();
        while (true)
        {
            var metrics = PipelineMetrics.Parse(await WhileRunningAsync(_http.GetStringAsync(new Uri(scorerUrl, "/metrics"), _stopping)));
            progress.Observe(metrics);
            if (metrics.Scored + metrics.DeadLettered >= acknowledged)
            {
                return metrics;
            }

            if (_time.GetElapsedTime(started) > s_catchUpLimit)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[demo] The scorer has committed {metrics.Scored + metrics.DeadLettered:N0} of {acknowledged:N0} records after {s_catchUpLimit.TotalSeconds:N0} s; summarising what it has."));
                return metrics;
            }

            await WhileRunningAsync(Task.Delay(s_pollInterval, _time, _stopping));
        }
    }

    /// <summary>POSTs a generated fraudulent transaction to /predict and returns the request and the answer, both as indented JSON.</summary>
    private async Task<(string Request, string Answer)> PredictExampleAsync(Uri apiUrl, string key)
    {
        var body = DemoReport.ExampleTransaction();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(apiUrl, "/predict"))
        {
            Content = new StringContent(body.ToJsonString(DemoReport.SentJson), Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add("X-API-Key", key);
        using var response = await WhileRunningAsync(_http.SendAsync(request, _stopping));
        var text = await response.Content.ReadAsStringAsync(_stopping);
        if (!response.IsSuccessStatusCode)
        {
            throw new DemoFailure($"POST /predict answered {(int)response.StatusCode}: {text}");
        }

        return (body.ToJsonString(DemoReport.ShownJson), JsonNode.Parse(text)?.ToJsonString(DemoReport.ShownJson) ?? text);
    }

    /// <summary>Stops every child, last started first, so none loses the broker while it still needs it.</summary>
    private async Task StopAllAsync()
    {
        _stoppingChildren = true;
        for (var i = _running.Count - 1; i >= 0; i--)
        {
            var child = _running[i];
            if (!child.Exited.IsCompleted)
            {
                var clean = await child.StopAsync(s_stopGrace);
                Console.WriteLine(clean ? $"[demo] Stopped {child.Name}." : $"[demo] Killed {child.Name}: it did not stop within {s_stopGrace.TotalSeconds:N0} s of SIGTERM.");
            }
        }
    }

    /// <summary>Starts a child; a <paramref name="service"/> runs until stopped, and its exit before that fails the demo.</summary>
    private DemoChild Start(string name, string[] arguments, bool service, Func<string, bool, bool> show, Dictionary<string, string>? environment = null)
    {
        _stopping.ThrowIfCancellationRequested();
        // A terminal's Ctrl+C also reaches the children, which stop on their own in no particular order: once stopping,
        // their complaints about each other (a scorer losing its broker) are noise, so they are no longer shown.
        var child = DemoChild.Start(
            name,
            arguments,
            environment is null ? _environment : new Dictionary<string, string>(_environment.Concat(environment)),
            (line, isStdout) => !_stoppingChildren && !_stopping.IsCancellationRequested && show(line, isStdout));
        _running.Add(child);
        if (service)
        {
            _ = WatchAsync(child);
        }

        return child;
    }

    /// <summary>A service that exits while the demo still needs it fails the demo.</summary>
    private async Task WatchAsync(DemoChild child)
    {
        await child.Exited;
        if (!_stoppingChildren)
        {
            _childDied.TrySetResult(child);
        }
    }

    /// <summary>Runs a one-shot child (generate, train, loadgen) to its end; anything but exit 0 fails the demo.</summary>
    private async Task RunToEndAsync(DemoChild child)
    {
        var exitCode = await WhileRunningAsync(child.Exited);
        if (exitCode != 0)
        {
            throw new DemoFailure($"`fraudstream {child.Name}` exited with code {exitCode}.", child);
        }
    }

    /// <summary>Awaits <paramref name="step"/> unless a stop is requested or a long-running child dies first.</summary>
    private async Task<T> WhileRunningAsync<T>(Task<T> step)
    {
        var done = await Task.WhenAny(step, _childDied.Task, _stopRequested);
        if (done == step)
        {
            return await step;
        }

        _stopping.ThrowIfCancellationRequested();
        var died = await _childDied.Task;

        // Throws OperationCanceledException when the exit was the first sign of a Ctrl+C.
        await Task.Delay(s_signalRace, _time, _stopping);
        throw new DemoFailure($"`fraudstream {died.Name}` exited unexpectedly with code {await died.Exited}.", died);
    }

    private Task WhileRunningAsync(Task step) => WhileRunningAsync(step.ContinueWith(
        static t =>
        {
            t.GetAwaiter().GetResult();
            return true;
        },
        CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));

    /// <summary>Polls <paramref name="url"/> until it answers 200.</summary>
    private async Task WaitUntilOkAsync(DemoChild child, Uri url, string what)
    {
        var started = _time.GetTimestamp();
        while (true)
        {
            try
            {
                using var response = await WhileRunningAsync(_http.GetAsync(url, _stopping));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (_time.GetElapsedTime(started) > s_startLimit)
            {
                throw new DemoFailure($"{child.Name} was not {what} within {s_startLimit.TotalSeconds:N0} s ({url}).", child);
            }

            await WhileRunningAsync(Task.Delay(s_pollInterval, _time, _stopping));
        }
    }

    /// <summary>Log lines worth showing from a service: warnings, errors and model changes.</summary>
    private static bool IsNotable(string line) =>
        line.Contains(" warn: ", StringComparison.Ordinal)
        || line.Contains(" fail: ", StringComparison.Ordinal)
        || line.Contains(" crit: ", StringComparison.Ordinal)
        || line.Contains("in force", StringComparison.Ordinal);
}
