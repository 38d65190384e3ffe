namespace FraudStream.Bench;

/// <summary>
/// The environment settings that change how the measured processes run, as this process has them: libgomp's wait policy
/// (native XGBoost's threads), the garbage collector's first generation and the thread pool's spinning, which overrides the
/// runtimeconfig's (docs/PERFORMANCE.md, The scorer end to end). Child processes inherit them, so a benchmark's printed
/// command shows what the measured scorer or api ran with.
/// </summary>
internal static class RuntimeSettings
{
    private static readonly string[] s_names = ["OMP_WAIT_POLICY", "DOTNET_GCgen0size", "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"];

    /// <summary>The command line that ran this benchmark: the settings above that are set ("NAME=value"), then <paramref name="command"/>.</summary>
    public static string Command(string command) => string.Join(' ', s_names
        .Where(n => Environment.GetEnvironmentVariable(n) is { Length: > 0 })
        .Select(n => $"{n}={Environment.GetEnvironmentVariable(n)}")
        .Append(command));
}
