using System.Reflection;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace FraudStream.Bench.HotPath;

/// <summary>
/// `hotpath`: BenchmarkDotNet over the scorer's hot path (features, prediction, both), each class reported as ratios
/// to its own baseline with allocations per operation (hot paths should allocate nothing).
/// </summary>
internal static class HotPathBenchmarks
{
    private static readonly Type[] s_benchmarks = [typeof(DecodeBenchmarks), typeof(ConfluentDecodeBenchmarks), typeof(FeaturePipelineBenchmarks), typeof(DriftBinBenchmarks), typeof(ScoringBenchmarks), typeof(EvaluatorBenchmarks), typeof(EndToEndBenchmarks)];

    /// <summary>Runs the benchmarks BenchmarkDotNet's <paramref name="args"/> select (all of them by default); 0 when every one ran.</summary>
    public static int Run(string[] args)
    {
        // Without a filter BenchmarkSwitcher asks on the console which benchmark to run; `make bench-hotpath` has no console.
        if (!args.Any(a => a is "--filter" or "-f" || a.StartsWith("--filter=", StringComparison.Ordinal)))
        {
            args = [.. args, "--filter", "*"];
        }

        var config = DefaultConfig.Instance;
        if (!args.Any(a => a is "--artifacts" || a.StartsWith("--artifacts=", StringComparison.Ordinal))
            && typeof(HotPathBenchmarks).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "HotPathArtifacts")?.Value is { } artifacts)
        {
            config = config.WithArtifactsPath(artifacts);
        }

        var summaries = BenchmarkSwitcher.FromTypes(s_benchmarks).Run(args, config).ToList();
        if (summaries.Count == 0)
        {
            // Nothing ran: fine when only asked to list or explain, a mistake (a filter matching nothing) otherwise.
            return args.Any(a => a is "--list" or "--help" or "-h" or "--info" or "--version") ? 0 : 1;
        }

        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
