using FraudStream.Streaming.ExactlyOnce;
using FraudStream.Streaming.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraudStream.Streaming.Tests.Fakes;

/// <summary>The real <see cref="ExactlyOnceProcessor"/> over fake clients and the echo handler.</summary>
internal sealed class EngineHarness : IDisposable
{
    public EngineHarness(FakeCluster cluster, Action<ScorerOptions>? configure = null)
    {
        Cluster = cluster;
        var options = new ScorerOptions
        {
            BootstrapServers = "fake:9092",
            TransactionalId = "scorer-0",
            InputTopic = cluster.Topic,
            BatchSize = 10,
            Linger = TimeSpan.FromMilliseconds(5),
        };
        configure?.Invoke(options);
        Options = options;
        Clients = new FakeClientFactory(cluster);
        Processor = new ExactlyOnceProcessor(
            Microsoft.Extensions.Options.Options.Create(options), Clients, Handler, [], Metrics, Health, TimeProvider.System, Lifetime, NullLoggerFactory.Instance);
    }

    public FakeCluster Cluster { get; }

    public ScorerOptions Options { get; }

    public FakeClientFactory Clients { get; }

    public EchoBatchHandler Handler { get; } = new();

    public ScorerMetrics Metrics { get; } = new();

    public ScorerHealth Health { get; } = new();

    public FakeLifetime Lifetime { get; } = new();

    public ExactlyOnceProcessor Processor { get; }

    public Task StartAsync() => Processor.StartAsync(CancellationToken.None);

    /// <summary>A collector of its own over the harness's options and metrics, for tests of the collector alone.</summary>
    public BatchCollector NewCollector() =>
        new(Microsoft.Extensions.Options.Options.Create(Options), Metrics, Health, TimeProvider.System, NullLogger<BatchCollector>.Instance);

    /// <summary>Starts the engine, waits until the group has committed every input record, stops it.</summary>
    public async Task RunToEndAsync()
    {
        await StartAsync();
        await Eventually.TrueAsync(Cluster.AllCommitted, "every input record committed", Cluster.RecentCalls);
        await Processor.StopAsync(CancellationToken.None);
    }

    /// <summary>The values the committed transactions wrote to the output topic.</summary>
    public List<string> Outputs() => [.. Cluster.CommittedOutputs().Where(o => o.Topic == EchoBatchHandler.OutputTopic).Select(o => o.Value)];

    /// <summary>Every input value, in no particular order: what a fault-free run outputs (no value starts with "bad").</summary>
    public List<string> ExpectedOutputs() =>
        [.. Cluster.Partitions.SelectMany(p => p).Select(v => System.Text.Encoding.UTF8.GetString(v)).Where(v => !v.StartsWith("bad", StringComparison.Ordinal))];

    public void Dispose()
    {
        Processor.Dispose();
        Metrics.Dispose();
        Handler.Hold.Dispose();
        Handler.HoldRejected.Dispose();
    }
}

/// <summary>Records StopApplication, as the host's lifetime would act on it.</summary>
internal sealed class FakeLifetime : IHostApplicationLifetime
{
    private readonly CancellationTokenSource _stopping = new();

    public bool StopRequested => _stopping.IsCancellationRequested;

    public CancellationToken ApplicationStarted => CancellationToken.None;

    public CancellationToken ApplicationStopping => _stopping.Token;

    public CancellationToken ApplicationStopped => CancellationToken.None;

    public void StopApplication() => _stopping.Cancel();
}
