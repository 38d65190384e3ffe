using FraudStream.Registry;
using FraudStream.Registry.Stores;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudStream.Serving;

/// <summary>
/// Follows one of the registry's aliases (production, challenger): polls it, loads and checks a newly named version off
/// the hot path and swaps it into <paramref name="live"/>. A version that cannot be served (bad metadata, checksum,
/// features the pipeline cannot produce, a model that does not load) is refused once (log line and metric) and the
/// current model keeps serving. A version not published yet is retried at every poll.
/// </summary>
public abstract partial class ModelAliasFollower(
    ModelRegistry registry,
    LiveModel live,
    ModelMetrics metrics,
    ModelRole role,
    ModelFollowerOptions options,
    TimeProvider timeProvider,
    ILogger logger) : BackgroundService
{
    private readonly SemaphoreSlim _checking = new(1, 1);
    private string? _refused;
    private string? _reportedMissing;

    /// <summary>The last version refused (not served), or null.</summary>
    public string? RefusedVersion => _refused;

    /// <summary>The registry followed.</summary>
    protected ModelRegistry Registry => registry;

    /// <summary>The model this follower keeps in force.</summary>
    protected LiveModel Live => live;

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
        using var timer = new PeriodicTimer(options.PollInterval, timeProvider);
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
        GC.SuppressFinalize(this);
    }

    /// <summary>The version the alias names, or null when it names none.</summary>
    /// <exception cref="ModelRegistryException">The alias cannot be read.</exception>
    protected abstract Task<string?> ReadAliasAsync(CancellationToken cancellationToken);

    /// <summary>The alias names no version.</summary>
    protected abstract void NoVersion();

    /// <summary>A version was refused; <paramref name="nothingServes"/> when no model of this role is in force.</summary>
    protected virtual void Refused(string version, string reason, bool nothingServes)
    {
    }

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        string? version;
        try
        {
            version = await ReadAliasAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ModelRegistryException e)
        {
            LogAliasUnreadable(logger, role.Name, e.Message, live.Version ?? "none");
            return;
        }

        if (version is null)
        {
            NoVersion();
            return;
        }

        if (version == live.Version || version == _refused)
        {
            return;
        }

        ScoringModel model;
        try
        {
            var (metadata, bytes) = await registry.LoadAsync(version, cancellationToken).ConfigureAwait(false);
            model = ServableModelCheck.Load(metadata, bytes, options);
        }
        catch (ModelStoreUnavailableException e)
        {
            // An outage says nothing about the version: try again at the next poll.
            LogStoreUnavailable(logger, role.Name, version, e.Message);
            return;
        }
        catch (ModelNotFoundException e)
        {
            // The alias may name a version whose publishing has not finished: look again at every poll, say so once.
            if (_reportedMissing != version)
            {
                _reportedMissing = version;
                metrics.Refused(role, "not_found");
                LogNotPublished(logger, role.Name, version, e.Message, live.Version ?? "none");
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
            LogUnexpected(logger, e, role.Name, version);
            Refuse(version, "unexpected", e.Message);
            return;
        }

        var previous = live.Version;
        live.Swap(model);
        metrics.Swapped(role);
        LogSwapped(logger, role.Name, version, previous ?? "none", model.Threshold, model.Evaluator);
        if (model.EvaluatorFallback is { } fallback)
        {
            LogNativeFallback(logger, role.Name, version, fallback);
        }
    }

    private void Refuse(string version, string reason, string message)
    {
        _refused = version;
        metrics.Refused(role, reason);
        LogRefused(logger, role.Name, version, reason, message, live.Version ?? "none");
        Refused(version, reason, live.Version is null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Version} is in force as {Role} (was {Previous}), threshold {Threshold}, scored by the {Evaluator} evaluator.")]
    private static partial void LogSwapped(ILogger logger, string role, string version, string previous, float threshold, string evaluator);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model:Evaluator is managed, but native XGBoost scores {Role} model {Version}: {Reason}")]
    private static partial void LogNativeFallback(ILogger logger, string role, string version, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused {Role} model {Version} ({Reason}): {Message} Model {Current} keeps serving.")]
    private static partial void LogRefused(ILogger logger, string role, string version, string reason, string message, string current);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Role} model {Version} is not published ({Message}); model {Current} keeps serving and the alias is read again at every poll.")]
    private static partial void LogNotPublished(ILogger logger, string role, string version, string message, string current);

    [LoggerMessage(Level = LogLevel.Error, Message = "Loading {Role} model {Version} failed unexpectedly.")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string role, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the {Role} alias ({Message}); model {Current} keeps serving.")]
    private static partial void LogAliasUnreadable(ILogger logger, string role, string message, string current);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not load the {Role} model {Version} yet ({Message}); retrying at the next poll.")]
    private static partial void LogStoreUnavailable(ILogger logger, string role, string version, string message);
}

/// <summary>Which alias a model is served for.</summary>
public sealed record ModelRole(string Name)
{
    /// <summary>The production alias: the model whose scores raise alerts.</summary>
    public static ModelRole Production { get; } = new("production");

    /// <summary>The challenger alias: scored in shadow, never alerting.</summary>
    public static ModelRole Challenger { get; } = new("challenger");
}
