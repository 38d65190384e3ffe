using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace FraudStream.Operations;

/// <summary>
/// /health/ready's one check: healthy when the process's own readiness says so, its facts travel as the result's data.
/// A process that is not ready yet is not failing, so the check logs what the probes see only when it changes (not
/// ready yet, ready, no longer ready, the readiness itself failing), where ASP.NET Core's health check service logs an
/// error on every probe that finds it unhealthy: a demo's start printed a "fail" line every 250 ms.
/// </summary>
internal sealed class ReadinessCheck(Func<ReadinessReport> ready, ReadinessLog log) : IHealthCheck
{
    /// <summary>The category of ASP.NET Core's health check service, whose per-probe logs <see cref="ReadinessLog"/> replaces.</summary>
    public const string HealthCheckServiceCategory = "Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ReadinessReport report;
        try
        {
            report = ready();
            ArgumentNullException.ThrowIfNull(report);
        }
#pragma warning disable CA1031 // Any failure of the readiness itself is an unhealthy answer, logged once, never a crashed probe.
        catch (Exception e)
#pragma warning restore CA1031
        {
            log.Failed(e);
            return Task.FromResult(HealthCheckResult.Unhealthy("The readiness check failed.", e));
        }

        log.Saw(report);
        var data = report.Checks.ToDictionary(c => c.Key, c => c.Value!, StringComparer.Ordinal);
        return Task.FromResult(report.Ready ? HealthCheckResult.Healthy(data: data) : HealthCheckResult.Unhealthy(data: data));
    }
}

/// <summary>What the readiness probes saw, logged when it changes (one instance per process; probes may run at once).</summary>
internal sealed partial class ReadinessLog(ILoggerFactory loggers)
{
    /// <summary>The category the changes are logged under.</summary>
    public const string Category = "FraudStream.Operations.Readiness";

    private const int Unprobed = 0;
    private const int Ready = 1;
    private const int NotReady = 2;
    private const int Failing = 3;

    private readonly ILogger _logger = loggers.CreateLogger(Category);
    private int _state = Unprobed;

    /// <summary>Logs <paramref name="report"/> when it differs from the last probe's readiness.</summary>
    public void Saw(ReadinessReport report)
    {
        var state = report.Ready ? Ready : NotReady;
        var was = Interlocked.Exchange(ref _state, state);
        if (was == state)
        {
            return;
        }

        var facts = Describe(report.Checks);
        if (report.Ready)
        {
            LogReady(_logger, facts);
        }
        else if (was == Ready)
        {
            LogNoLongerReady(_logger, facts);
        }
        else
        {
            LogNotReadyYet(_logger, facts);
        }
    }

    /// <summary>Logs a readiness that threw, once until a probe succeeds again.</summary>
    public void Failed(Exception exception)
    {
        if (Interlocked.Exchange(ref _state, Failing) != Failing)
        {
            LogFailed(_logger, exception);
        }
    }

    /// <summary>The facts as "name=value, ...": null as none, booleans in lower case.</summary>
    internal static string Describe(IReadOnlyDictionary<string, object?> checks) =>
        string.Join(", ", checks.Select(c => $"{c.Key}={c.Value switch
        {
            null => "none",
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var other => other.ToString(),
        }}"));

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Not ready yet ({Facts}): /health/ready answers 503 until it is.")]
    private static partial void LogNotReadyYet(ILogger logger, string facts);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Ready ({Facts}): /health/ready answers 200.")]
    private static partial void LogReady(ILogger logger, string facts);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "No longer ready ({Facts}): /health/ready answers 503.")]
    private static partial void LogNoLongerReady(ILogger logger, string facts);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "The readiness check failed: /health/ready answers 503.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
