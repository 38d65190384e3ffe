using FraudStream.Registry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FraudStream.Serving;

/// <summary>
/// Follows the registry's production alias into <see cref="LiveModel"/>. When the production version is refused and no
/// model serves yet, the process cannot serve at all and is stopped (<see cref="CannotServe"/>) so it exits non-zero.
/// </summary>
public sealed partial class ProductionModelFollower(
    ModelRegistry registry,
    LiveModel live,
    ModelMetrics metrics,
    IOptions<ModelFollowerOptions> options,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime,
    ILogger<ProductionModelFollower> logger)
    : ModelAliasFollower(registry, live, metrics, ModelRole.Production, options.Value, timeProvider, logger)
{
    private bool _reportedNoProduction;

    /// <summary>Why the process stopped: the production version was refused before any model served; null while it can serve.</summary>
    public string? CannotServe { get; private set; }

    /// <inheritdoc />
    protected override async Task<string?> ReadAliasAsync(CancellationToken cancellationToken) =>
        (await Registry.GetProductionAsync(cancellationToken).ConfigureAwait(false))?.Version;

    /// <inheritdoc />
    protected override void NoVersion()
    {
        if (!_reportedNoProduction)
        {
            _reportedNoProduction = true;
            LogNoProduction(logger, Registry.Store.Description);
        }
    }

    /// <inheritdoc />
    protected override void Refused(string version, string reason, bool nothingServes)
    {
        if (nothingServes)
        {
            CannotServe = $"Production model {version} was refused ({reason}) and no other model serves: promote a good version, then restart.";
            LogCannotServe(logger, CannotServe);
            lifetime.StopApplication();
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Problem}")]
    private static partial void LogCannotServe(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Store} has no production model yet: train one (fraudstream train) or promote a version (fraudstream models promote).")]
    private static partial void LogNoProduction(ILogger logger, string store);
}
