namespace FraudStream.Bench;

/// <summary>
/// The process settings a benchmark's command line shows: those the Makefile's RUNTIME_ENV (and the image) set, as this
/// process has them. Child processes inherit them, so they are what the measured scorer or api ran with.
/// </summary>
internal static class RuntimeSettings
{
    private static readonly string[] s_names = ["OMP_WAIT_POLICY", "DOTNET_GCgen0size"];

    /// <summary>"NAME=value" for each that is set, space-separated; "(none of OMP_WAIT_POLICY, DOTNET_GCgen0size)" when none is.</summary>
    public static string Describe()
    {
        var set = s_names.Where(n => Environment.GetEnvironmentVariable(n) is { Length: > 0 })
            .Select(n => $"{n}={Environment.GetEnvironmentVariable(n)}")
            .ToList();
        return set.Count > 0 ? string.Join(' ', set) : $"(none of {string.Join(", ", s_names)})";
    }
}
