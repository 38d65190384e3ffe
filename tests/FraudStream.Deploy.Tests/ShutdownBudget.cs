using System.Globalization;

namespace FraudStream.Deploy.Tests;

/// <summary>The scorer's shutdown budget as a deployment sets it (Scorer:ShutdownTimeout), and what the host adds to it.</summary>
internal static class ShutdownBudget
{
    /// <summary>ScorerOptions.HostShutdownMargin: the host waits the budget plus this.</summary>
    public static readonly TimeSpan HostMargin = TimeSpan.FromSeconds(10);

    /// <summary>The default budget when a deployment does not set one.</summary>
    private static readonly TimeSpan s_default = TimeSpan.FromSeconds(30);

    public static TimeSpan Of(string? setting) =>
        setting is null ? s_default : TimeSpan.Parse(setting, CultureInfo.InvariantCulture);
}
