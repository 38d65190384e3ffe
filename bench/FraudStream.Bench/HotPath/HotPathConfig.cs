using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace FraudStream.Bench.HotPath;

/// <summary>The hot-path benchmarks' job: short enough that the whole set runs in a few minutes on 2 cores.</summary>
/// <remarks>
/// 1 launch, 3 warm-up and 8 measured iterations: a ShortRun with a few more iterations, because these machines
/// are shared and noisy. OMP_WAIT_POLICY=PASSIVE makes XGBoost's OpenMP threads sleep between predictions instead of
/// spinning for CPU the benchmark (and, in service, Kafka's threads) needs: what `make test` runs with too.
/// </remarks>
public sealed class HotPathConfig : ManualConfig
{
    public HotPathConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(8)
            .WithEnvironmentVariables(new EnvironmentVariable("OMP_WAIT_POLICY", "PASSIVE"))
            .WithId("HotPath"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(new AllocatedPerInvokeColumn());
        HideColumns(Column.Job, Column.EnvironmentVariables, Column.IterationCount, Column.WarmupCount, Column.LaunchCount);
    }
}
