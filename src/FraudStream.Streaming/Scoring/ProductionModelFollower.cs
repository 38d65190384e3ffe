using FraudStream.Registry;
using FraudStream.Registry.Stores;
using FraudStream.Streaming.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FraudStream.Streaming.Scoring;

/// <summary>
/// Follows the registry's production alias: polls it, loads and checks a new version off the hot path and swaps it
/// into <see cref="LiveModel"/>. A version that cannot be served (bad metadata, checksum, features the pipeline cannot
/// produce, a model that does not load) is refused once (log line and metric) and the current model keeps serving; when
/// no model serves yet, the process cannot serve at all and is stopped (<see cref="CannotServe"/>) so it exits non-zero.
/// A version not published yet is retried at every poll.
/// </summary>
public sealed partial class ProductionModelFollower(
    ModelRegistry registry,
    LiveModel live,
    ModelMetrics metrics,
    IOptions<ModelFollowerOptions> options,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime,
    ILogger<ProductionModelFollower> logger) : BackgroundService
{
    private readonly SemaphoreSlim _checking = new(1, 1);
    private string? _refused;
    private string? _reportedMissing;
    private bool _reportedNoProduction;

    /// <summary>Why the process stopped: the production version was refused before any model served; null while it can serve.</summary>
    public string? CannotServe { get; private set; }

    /// <summary>Reads the alias now and swaps if it names a new version; what the poll does (also after an API rollback).</summary>
    public async Task CheckNowAsync(CancellationToken cancellationToken = default)
    {
        await _checking.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await CheckAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _checking.Release();
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, timeProvider);
        do
        {
            try
            {
                await CheckNowAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _checking.Dispose();
        base.Dispose();
    }

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        ProductionAlias? alias;
        try
        {
            alias = await registry.GetProductionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ModelRegistryException e)
        {
            LogAliasUnreadable(logger, e.Message, live.Version ?? "none");
            return;
        }

        if (alias is null)
        {
            if (!_reportedNoProduction)
            {
                _reportedNoProduction = true;
                LogNoProduction(logger, registry.Store.Description);
            }

            return;
        }

        var version = alias.Version;
        if (version == live.Version || version == _refused)
        {
            return;
        }

        ScoringModel model;
        try
        {
            var (metadata, bytes) = await registry.LoadAsync(version, cancellationToken).ConfigureAwait(false);
            model = ServableModelCheck.Load(metadata, bytes, options.Value);
        }
        catch (ModelStoreUnavailableException e)
        {
            // An outage says nothing about the version: try again at the next poll.
            LogStoreUnavailable(logger, version, e.Message);
            return;
        }
        catch (ModelNotFoundException e)
        {
            // The alias may name a version whose publishing has not finished: look again at every poll, say so once.
            if (_reportedMissing != version)
            {
                _reportedMissing = version;
                metrics.Refused("not_found");
                LogNotPublished(logger, version, e.Message, live.Version ?? "none");
            }

            return;
        }
        catch (ModelRefusedException e)
        {
            Refuse(version, e.Reason, e.Message);
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A case the checks above missed is a bug, but it must not take down a process that is serving.
            LogUnexpected(logger, e, version);
            Refuse(version, "unexpected", e.Message);
            return;
        }

        var previous = live.Version;
        live.Swap(model);
        metrics.Swapped();
        LogSwapped(logger, version, previous ?? "none", model.Threshold);
    }

    private void Refuse(string version, string reason, string message)
    {
        _refused = version;
        metrics.Refused(reason);
        LogRefused(logger, version, reason, message, live.Version ?? "none");
        if (live.Version is null)
        {
            CannotServe = $"Production model {version} was refused ({reason}) and no other model serves: promote a good version, then restart.";
            LogCannotServe(logger, CannotServe);
            lifetime.StopApplication();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Version} is in force (was {Previous}), threshold {Threshold}.")]
    private static partial void LogSwapped(ILogger logger, string version, string previous, float threshold);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused production model {Version} ({Reason}): {Message} Model {Current} keeps serving.")]
    private static partial void LogRefused(ILogger logger, string version, string reason, string message, string current);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Production model {Version} is not published ({Message}); model {Current} keeps serving and the alias is read again at every poll.")]
    private static partial void LogNotPublished(ILogger logger, string version, string message, string current);

    [LoggerMessage(Level = LogLevel.Error, Message = "Loading production model {Version} failed unexpectedly.")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string version);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Problem}")]
    private static partial void LogCannotServe(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the production alias ({Message}); model {Current} keeps serving.")]
    private static partial void LogAliasUnreadable(ILogger logger, string message, string current);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not load production model {Version} yet ({Message}); retrying at the next poll.")]
    private static partial void LogStoreUnavailable(ILogger logger, string version, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Store} has no production model yet: train one (fraudstream train) or promote a version (fraudstream models promote).")]
    private static partial void LogNoProduction(ILogger logger, string store);
}
