using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace FraudStream.Bench.HotPath;

/// <summary>Bytes allocated per call of the benchmark method (a whole batch), unrounded.</summary>
/// <remarks>
/// BenchmarkDotNet's Allocated column divides by OperationsPerInvoke and rounds to whole bytes, so "-" (nothing) for a
/// batch of 500 only says "under 250 bytes per batch". This column says whether a call allocates at all. BenchmarkDotNet
/// counts the whole process's allocations, which include some bytes (here up to 2 KB) once per run whatever the benchmark does.
/// </remarks>
internal sealed class AllocatedPerInvokeColumn : IColumn
{
    // An object header, method table pointer and the minimum payload on 64-bit .NET: no allocation is smaller.
    private const int SmallestObject = 24;

    public string Id => nameof(AllocatedPerInvokeColumn);

    public string ColumnName => "Alloc/call";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Metric;

    public int PriorityInCategory => 100;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend =>
        "Bytes allocated per call of the benchmark method (one transaction or row, or a whole batch), not rounded; "
        + "'0 B (N B/run)': less than the smallest object (24 B) per call, so nothing per call, N bytes once or now and then in the measured run";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report is not { Success: true } || report.GcStats.TotalOperations == 0
            || report.GcStats.GetTotalAllocatedBytes(excludeAllocationQuantumSideEffects: false) is not { } bytes)
        {
            return "?";
        }

        var perCall = bytes / ((double)report.GcStats.TotalOperations / benchmarkCase.Descriptor.OperationsPerInvoke);
        return bytes == 0 ? "0 B"
            : perCall < SmallestObject ? string.Create(CultureInfo.InvariantCulture, $"0 B ({bytes:N0} B/run)")
            : string.Create(CultureInfo.InvariantCulture, $"{perCall:0.#} B");
    }
}
