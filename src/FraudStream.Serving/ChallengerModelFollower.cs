using FraudStream.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FraudStream.Serving;

/// <summary>The challenger model: scored in shadow beside production, never raising an alert; none most of the time.</summary>
public sealed class ChallengerModel : IDisposable
{
    /// <summary>The challenger in force, if any.</summary>
    public LiveModel Live { get; } = new();

    /// <inheritdoc />
    public void Dispose() => Live.Dispose();
}

/// <summary>
/// Follows the registry's challenger alias into <see cref="ChallengerModel"/> when the process uses a challenger
/// (<see cref="ModelFollowerOptions.FollowChallenger"/>): a refused challenger is only logged and counted (production
/// is never affected), a withdrawn one is dropped.
/// </summary>
public sealed partial class ChallengerModelFollower(
    ModelRegistry registry,
    ChallengerModel challenger,
    ModelMetrics metrics,
    IOptions<ModelFollowerOptions> options,
    TimeProvider timeProvider,
    ILogger<ChallengerModelFollower> logger)
    : ModelAliasFollower(registry, challenger.Live, metrics, ModelRole.Challenger, options.Value, timeProvider, logger)
{
    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.FollowChallenger ? base.ExecuteAsync(stoppingToken) : Task.CompletedTask;

    /// <inheritdoc />
    protected override async Task<string?> ReadAliasAsync(CancellationToken cancellationToken) =>
        (await Registry.GetChallengerAsync(cancellationToken).ConfigureAwait(false))?.Version;

    /// <inheritdoc />
    protected override void NoVersion()
    {
        if (Live.Version is { } withdrawn)
        {
            Live.Clear();
            LogWithdrawn(logger, withdrawn);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Challenger {Version} was withdrawn; scoring with production only.")]
    private static partial void LogWithdrawn(ILogger logger, string version);
}
