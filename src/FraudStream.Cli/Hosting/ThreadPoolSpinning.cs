namespace FraudStream.Cli.Hosting;

/// <summary>
/// Whether idle thread-pool workers spin before they block. fraudstream.runtimeconfig.json turns the spinning off
/// (System.Threading.ThreadPool.UnfairSemaphoreSpinLimit = 0, set in FraudStream.Cli.csproj): the scorer, the load
/// generator, the alerts reader and the broker mostly wait on Kafka, and on a few shared cores the spinning cost the
/// 2,000 records/s demo 18% of its CPU. The /predict sidecar, whose requests are many short work items, keeps the
/// runtime's default (70): without it one connection got about a fifth fewer requests a second. docs/PERFORMANCE.md,
/// "Thread-pool spinning".
/// </summary>
internal static class ThreadPoolSpinning
{
    /// <summary>The setting, in runtimeconfig.json and in <see cref="AppContext"/>.</summary>
    public const string Setting = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";

    /// <summary>The runtime's own default spin limit.</summary>
    public const string RuntimeDefault = "70";

    /// <summary>
    /// Gives the `api` verb the runtime's default back. Call first thing in Main: the thread pool reads the setting once,
    /// when it first needs a worker. DOTNET_ThreadPool_UnfairSemaphoreSpinLimit in the environment overrides both.
    /// </summary>
    public static void ForVerb(IReadOnlyList<string> args)
    {
        if (args is ["api", ..])
        {
            AppContext.SetData(Setting, RuntimeDefault);
        }
    }
}
