using FraudStream.Avro.Registry;
using FraudStream.Registry;
using FraudStream.Registry.Stores;
using FraudStream.Streaming;
using FraudStream.Streaming.ExactlyOnce;
using FraudStream.Streaming.Monitoring;
using FraudStream.Serving;
using FraudStream.Streaming.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudStream.IntegrationTests.Scoring;

/// <summary>A scorer instance in this process: the real host wiring (<c>AddExactlyOnceScorer</c>) over the test's broker and registry.</summary>
public sealed class InProcessScorer : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private InProcessScorer(IHost host) => _host = host;

    /// <summary>The instance's health (partitions, producer).</summary>
    public ScorerHealth Health => _host.Services.GetRequiredService<ScorerHealth>();

    /// <summary>The instance's counters (commits, aborts, retries, rebuilds, rewinds).</summary>
    public ScorerMetrics Metrics => _host.Services.GetRequiredService<ScorerMetrics>();

    /// <summary>The instance's drift measurements.</summary>
    public DriftMonitor Drift => _host.Services.GetRequiredService<DriftMonitor>();

    /// <summary>The model the instance scores with.</summary>
    public LiveModel Model => _host.Services.GetRequiredService<LiveModel>();

    /// <summary>The challenger the instance scores with in shadow, if any.</summary>
    public LiveModel Challenger => _host.Services.GetRequiredService<ChallengerModel>().Live;

    /// <summary>The instance's follower of the challenger alias.</summary>
    public ChallengerModelFollower ChallengerFollower => _host.Services.GetRequiredService<ChallengerModelFollower>();

    public static async Task<InProcessScorer> StartAsync(
        IReadOnlyDictionary<string, string?> settings, string registryDirectory, ISchemaRegistry? schemas = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(new ModelRegistry(new LocalDirectoryModelStore(registryDirectory)));
        builder.Services.AddSingleton(schemas ?? ScoringScenario.Catalog);
        builder.Services.AddExactlyOnceScorer();
        var host = builder.Build();
        await host.StartAsync();
        return new InProcessScorer(host);
    }

    /// <summary>Stops the instance gracefully (finishes its batch, leaves the group).</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _host.StopAsync(TimeSpan.FromSeconds(30));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }
}
