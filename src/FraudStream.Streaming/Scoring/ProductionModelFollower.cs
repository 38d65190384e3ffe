using FraudStream.Core.Features;
using FraudStream.Registry;
using FraudStream.Registry.Stores;
using FraudStream.Streaming.Telemetry;
using FraudStream.XGBoost;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FraudStream.Streaming.Scoring;

/// <summary>
/// Follows the registry's production alias: polls it, loads and checks a new version off the hot path and swaps it
/// into <see cref="LiveModel"/>. A version that fails its checksum, needs features the pipeline cannot produce or
/// does not load is refused once (log line and metric) and the current model keeps serving.
/// </summary>
public sealed partial class ProductionModelFollower(
    ModelRegistry registry,
    LiveModel live,
    ModelMetrics metrics,
    IOptions<ModelFollowerOptions> options,
    TimeProvider timeProvider,
    ILogger<ProductionModelFollower> logger) : BackgroundService
{
    private readonly SemaphoreSlim _checking = new(1, 1);
    private string? _refused;
    private bool _reportedNoProduction;

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
            var settings = options.Value;
            model = ScoringModel.Create(metadata, bytes, settings.PredictionThreads, settings.Threshold, settings.ExactContributions);
        }
        catch (ModelStoreUnavailableException e)
        {
            // An outage says nothing about the version: try again at the next poll.
            LogStoreUnavailable(logger, version, e.Message);
            return;
        }
        catch (Exception e) when (RefusalReason(e) is { } reason)
        {
            _refused = version;
            metrics.Refused(reason);
            LogRefused(logger, version, reason, e.Message, live.Version ?? "none");
            return;
        }

        var previous = live.Version;
        live.Swap(model);
        metrics.Swapped();
        LogSwapped(logger, version, previous ?? "none", model.Threshold);
    }

    private static string? RefusalReason(Exception e) => e switch
    {
        CorruptModelException => "checksum",
        ModelNotFoundException => "not_found",
        IncompatibleModelException => "incompatible_features",
        XGBoostException => "load_failed",
        ModelRegistryException => "bad_metadata",
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Version} is in force (was {Previous}), threshold {Threshold}.")]
    private static partial void LogSwapped(ILogger logger, string version, string previous, float threshold);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused production model {Version} ({Reason}): {Message} Model {Current} keeps serving.")]
    private static partial void LogRefused(ILogger logger, string version, string reason, string message, string current);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the production alias ({Message}); model {Current} keeps serving.")]
    private static partial void LogAliasUnreadable(ILogger logger, string message, string current);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not load production model {Version} yet ({Message}); retrying at the next poll.")]
    private static partial void LogStoreUnavailable(ILogger logger, string version, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Store} has no production model yet: train one (fraudstream train) or promote a version (fraudstream models promote).")]
    private static partial void LogNoProduction(ILogger logger, string store);
}
