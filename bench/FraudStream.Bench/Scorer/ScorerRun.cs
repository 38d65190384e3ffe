using System.Diagnostics;
using Confluent.Kafka;

namespace FraudStream.Bench.Scorer;

/// <summary>The ways the child runs the exactly-once loop.</summary>
internal enum ScorerMode
{
    /// <summary>The product: decode, history (state restored and written to the changelog), features, predict, alerts.</summary>
    Scorer,

    /// <summary>The product with a challenger (the same model under another version) scored in shadow, its scores to a shadow topic: Bench:Challenger=true.</summary>
    Challenger,

    /// <summary>The product without history (Scorer:KeepHistory=false): the baseline the stateful scorer's cost is judged against.</summary>
    Stateless,

    /// <summary>Bench:PassThrough (<see cref="PassThroughBatchHandler"/>): the same consume → transaction → offsets loop, no decode/features/predict, nothing produced.</summary>
    PassThrough,
}

/// <summary>A record to put on the input topic: card id key and Confluent-framed Avro transaction.</summary>
internal readonly record struct InputRecord(byte[] Key, byte[] Value);

/// <summary>What every run of one benchmark invocation shares.</summary>
internal sealed record RunPlan(
    string RunId,
    int Partitions,
    InputRecord[] Records,
    double LatencyRate,
    TimeSpan LatencyDuration,
    string RegistryDirectory,
    IReadOnlyDictionary<string, string> ScorerSettings);

/// <summary>One mode's measurements in one round.</summary>
internal sealed record RunResult(
    ScorerMode Mode,
    int Round,
    double PreloadRate,
    double StartupSeconds,
    double Rate,
    double WindowSeconds,
    double LoopRate,
    double LoopScoringUs,
    double LoopCommitUs,
    double LoopThreadOtherUs,
    double RecordsPerBatch,
    double ScorerCpuUs,
    double OrchestratorCpuUs,
    double OfferedRate,
    int LatencySamples,
    double LatencyP50Ms,
    double LatencyP99Ms,
    int AlertSamples,
    double? AlertP50Ms,
    double? AlertP99Ms,
    long ThroughputAlerts,
    long Aborted,
    long PeakRssBytes,
    GcWork LoopGc,
    long LoopRecords)
{
    /// <summary>Bytes the scorer process allocated per record over the loop's measured window.</summary>
    public double AllocatedBytesPerRecord => LoopGc.AllocatedBytes / (double)Math.Max(1, LoopRecords);

    /// <summary>Share of the loop's measured window the runtime spent paused for collections, in percent.</summary>
    public double GcPausePercent => 100 * LoopGc.PauseSeconds * LoopRate / Math.Max(1, LoopRecords);
}

/// <summary>
/// One run: fresh topics, N records preloaded (timed on their own), the scorer started as a child process, then
///  1. throughput: records / (time from the first committed-offset advance seen to all N committed seen), by polling;
///  2. latency: records produced at a fixed rate while it runs; a record's latency is from the moment it was handed to
///     the producer (Produce) to the first poll that sees a committed offset past it.
/// </summary>
internal static class ScorerRun
{
    private const string LatencyPhase = "latency";
    private static readonly TimeSpan s_pollPeriod = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan s_steadyStateMargin = TimeSpan.FromSeconds(1);

    public static async Task<RunResult> ExecuteAsync(BenchCluster cluster, RunPlan plan, ScorerMode mode, int round)
    {
        var name = $"fsbench-{plan.RunId}-{mode.ToString().ToLowerInvariant()}-r{round}";
        var input = name + "-in";
        var alerts = name + "-alerts";
        var deadLetters = name + "-dlq";
        await cluster.CreateTopicAsync(input, plan.Partitions);
        await cluster.CreateTopicAsync(alerts, plan.Partitions);
        await cluster.CreateTopicAsync(deadLetters, 1);
        await cluster.CreateTopicAsync(name + "-changelog", plan.Partitions);
        await cluster.CreateTopicAsync(name + "-labels", 1);
        if (mode == ScorerMode.Challenger)
        {
            await cluster.CreateTopicAsync(name + "-shadow", plan.Partitions);
        }

        using var producer = BuildProducer(cluster.BootstrapServers);
        var preloadRate = Preload(producer, input, plan.Records);
        using var offsets = new CommittedOffsets(cluster.BootstrapServers, name + "-scorer", input, plan.Partitions);
        var preloaded = offsets.EndOffsets().Sum();
        if (preloaded != plan.Records.Length)
        {
            throw new BenchmarkFailedException($"{input} holds {preloaded:N0} records after preloading {plan.Records.Length:N0}: not a fresh topic?");
        }

        // The harness owns these (configuration keys ignore case, so a user's spelling of one is replaced, not doubled).
        var settings = new Dictionary<string, string>(plan.ScorerSettings, StringComparer.OrdinalIgnoreCase)
        {
            ["Scorer:BootstrapServers"] = cluster.BootstrapServers,
            ["Scorer:InputTopic"] = input,
            ["Scorer:AlertsTopic"] = alerts,
            ["Scorer:DeadLetterTopic"] = deadLetters,
            ["Scorer:GroupId"] = name + "-scorer",
            ["Scorer:TransactionalId"] = name + "-txn",
            ["Scorer:ChangelogTopic"] = name + "-changelog",
            ["Scorer:LabelsTopic"] = name + "-labels",
            ["Scorer:KeepHistory"] = mode is ScorerMode.Scorer or ScorerMode.Challenger ? "true" : "false",
            ["Bench:PassThrough"] = mode == ScorerMode.PassThrough ? "true" : "false",
        };
        if (mode == ScorerMode.Challenger)
        {
            settings["Scorer:ShadowTopic"] = name + "-shadow"; // the other modes ignore the registry's challenger without it
        }

        var started = Stopwatch.GetTimestamp();
        using var child = ScorerChild.Start(plan.RegistryDirectory, settings);
        var throughput = MeasureThroughput(offsets, child, preloaded, started);
        child.StartPhase(LatencyPhase);
        var latency = MeasureLatency(cluster, producer, offsets, child, plan, input, alerts);
        var report = await child.StopAsync(TimeSpan.FromSeconds(60));

        var loop = report.Phases.Single(p => p.Name == ScorerHost.FirstPhase);
        var loopSeconds = Stopwatch.GetElapsedTime(loop.FirstCommitTimestamp, loop.LastCommitTimestamp).TotalSeconds;
        var perRecord = 1e6 / Math.Max(1, loop.RecordsAfterFirst);
        var loopScoringUs = loop.ScoringSecondsAfterFirst * perRecord;
        var loopCommitUs = loop.CommitSecondsAfterFirst * perRecord;
        return new RunResult(
            mode,
            round,
            preloadRate,
            throughput.StartupSeconds,
            throughput.Rate,
            throughput.WindowSeconds,
            loop.RecordsAfterFirst / loopSeconds,
            loopScoringUs,
            loopCommitUs,
            (loopSeconds * perRecord) - loopCommitUs, // scoring runs on a pool thread beside the loop thread
            loop.Records / (double)Math.Max(1, loop.Batches),
            throughput.ScorerCpuUs,
            throughput.OrchestratorCpuUs,
            latency.OfferedRate,
            latency.Samples,
            latency.P50Ms,
            latency.P99Ms,
            latency.AlertSamples,
            latency.AlertP50Ms,
            latency.AlertP99Ms,
            loop.Alerts,
            report.Phases.Sum(p => p.Aborted),
            report.PeakRssBytes,
            loop.GcAfterFirst,
            loop.RecordsAfterFirst);
    }

    internal static IProducer<byte[], byte[]> BuildProducer(string bootstrapServers) =>
        new ProducerBuilder<byte[], byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            BatchSize = 1_000_000,
        }).Build();

    /// <returns>Records per second, from the first send to the last acknowledgement.</returns>
    internal static double Preload(IProducer<byte[], byte[]> producer, string topic, InputRecord[] records)
    {
        var failed = 0;
        Action<DeliveryReport<byte[], byte[]>> onDelivery = report =>
        {
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref failed);
            }
        };
        var clock = Stopwatch.StartNew();
        foreach (var record in records)
        {
            Produce(producer, topic, record, onDelivery);
        }

        if (producer.Flush(TimeSpan.FromMinutes(2)) != 0 || failed != 0)
        {
            throw new BenchmarkFailedException($"Preloading {topic}: {failed} records failed or were still in flight after 2 minutes.");
        }

        return records.Length / clock.Elapsed.TotalSeconds;
    }

    private static void Produce(IProducer<byte[], byte[]> producer, string topic, InputRecord record, Action<DeliveryReport<byte[], byte[]>> onDelivery)
    {
        while (true)
        {
            try
            {
                producer.Produce(topic, new Message<byte[], byte[]> { Key = record.Key, Value = record.Value }, onDelivery);
                return;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(10));
            }
        }
    }

    internal sealed record Throughput(double StartupSeconds, double Rate, double WindowSeconds, double ScorerCpuUs, double OrchestratorCpuUs);

    /// <summary>
    /// Polls the committed offsets until all <paramref name="records"/> are committed. The window starts at the first
    /// poll that sees any committed record (so process start, model load, group join and the first batch are outside
    /// it) and ends at the first poll that sees them all; CPU of both processes is sampled at the same two polls.
    /// </summary>
    internal static Throughput MeasureThroughput(CommittedOffsets offsets, MeasuredChild child, long records, long started)
    {
        var limit = TimeSpan.FromSeconds(120 + (records / 10_000.0)); // generous: 10k records/s would be a failure of its own
        using var orchestrator = Process.GetCurrentProcess();
        long firstAt = 0, firstCommitted = 0;
        TimeSpan firstChildCpu = default, firstSelfCpu = default;
        while (true)
        {
            var committed = offsets.Read().Sum();
            var now = Stopwatch.GetTimestamp();
            if (committed > 0 && firstAt == 0)
            {
                (firstAt, firstCommitted, firstChildCpu) = (now, committed, child.Cpu);
                orchestrator.Refresh();
                firstSelfCpu = orchestrator.TotalProcessorTime;
            }

            if (committed >= records)
            {
                var childCpu = child.Cpu - firstChildCpu;
                orchestrator.Refresh();
                var selfCpu = orchestrator.TotalProcessorTime - firstSelfCpu;
                var measured = records - firstCommitted;
                if (measured < records / 2)
                {
                    throw new BenchmarkFailedException(
                        $"The first committed-offset advance seen already covered {firstCommitted:N0} of {records:N0} records: preload more records for a meaningful rate.");
                }

                var window = Stopwatch.GetElapsedTime(firstAt, now).TotalSeconds;
                return new Throughput(
                    Stopwatch.GetElapsedTime(started, firstAt).TotalSeconds,
                    measured / window,
                    window,
                    childCpu.TotalMicroseconds / measured,
                    selfCpu.TotalMicroseconds / measured);
            }

            if (child.HasExited)
            {
                throw new BenchmarkFailedException($"Committed {committed:N0} of {records:N0} records, then {child.DescribeExit()}");
            }

            if (Stopwatch.GetElapsedTime(started) > limit)
            {
                throw new BenchmarkFailedException($"The {offsets.GroupId} group committed {committed:N0} of {records:N0} records within {limit.TotalSeconds:0} s.");
            }

            Thread.Sleep(s_pollPeriod);
        }
    }

    private sealed record Latency(double OfferedRate, int Samples, double P50Ms, double P99Ms, int AlertSamples, double? AlertP50Ms, double? AlertP99Ms);

    /// <summary>
    /// Produces records at the plan's fixed rate while the committed offsets are polled every 5 ms and a read_committed
    /// reader follows the alerts topic. Only records sent in the steady state (the first and last second of the phase
    /// left out when it lasts 3 s or more) are counted.
    /// </summary>
    private static Latency MeasureLatency(
        BenchCluster cluster, IProducer<byte[], byte[]> producer, CommittedOffsets offsets, ScorerChild child, RunPlan plan, string input, string alerts)
    {
        var count = (int)Math.Round(plan.LatencyRate * plan.LatencyDuration.TotalSeconds);
        var sentAt = new long[count];
        var partition = new int[count];
        var offset = new long[count];
        Array.Fill(offset, -1);
        var failed = 0;

        using var alertOffsets = new CommittedOffsets(cluster.BootstrapServers, alerts + "-probe", alerts, plan.Partitions);
        using var alertReader = new AlertReader(cluster.BootstrapServers, alerts, alertOffsets.EndOffsets());
        using var timeline = new CommitTimeline(offsets, s_pollPeriod);

        // Paced by the clock, not by sleeps: record i is due at start + i / rate, so the average rate is exact and
        // a late wake-up sends the records that fell due in one burst.
        var start = Stopwatch.GetTimestamp();
        var ticksPerRecord = Stopwatch.Frequency / plan.LatencyRate;
        for (var i = 0; i < count;)
        {
            var due = Math.Min(count, (long)(Stopwatch.GetElapsedTime(start).TotalSeconds * plan.LatencyRate) + 1);
            for (; i < due; i++)
            {
                var index = i;
                sentAt[index] = Stopwatch.GetTimestamp();
                Produce(producer, input, plan.Records[index % plan.Records.Length], report =>
                {
                    if (report.Error.IsError)
                    {
                        Interlocked.Increment(ref failed);
                    }

                    partition[index] = report.Partition.Value;
                    offset[index] = report.Offset.Value;
                });
            }

            var untilNext = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), start + (long)(i * ticksPerRecord));
            if (untilNext > TimeSpan.Zero)
            {
                Thread.Sleep(untilNext < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : untilNext);
            }
        }

        var sendSeconds = Stopwatch.GetElapsedTime(start, sentAt[^1]).TotalSeconds;
        if (producer.Flush(TimeSpan.FromMinutes(1)) != 0 || failed != 0)
        {
            throw new BenchmarkFailedException($"Latency phase on {input}: {failed} records failed or were still in flight after 1 minute.");
        }

        Thread.MemoryBarrier(); // delivery reports were written on the producer's thread
        var expected = offsets.EndOffsets().Sum();
        var limit = TimeSpan.FromSeconds(60);
        var waited = Stopwatch.StartNew();
        while (timeline.Total < expected)
        {
            if (child.HasExited)
            {
                throw new BenchmarkFailedException($"Latency phase: {child.DescribeExit()}");
            }

            if (waited.Elapsed > limit)
            {
                throw new BenchmarkFailedException(
                    $"Latency phase: the scorer group committed {timeline.Total:N0} of {expected:N0} records within {limit.TotalSeconds:0} s after the last send.");
            }

            Thread.Sleep(s_pollPeriod);
        }

        timeline.Stop();
        alertReader.WaitForEnd(alertOffsets.EndOffsets(), TimeSpan.FromSeconds(30));
        var arrivals = alertReader.Stop();

        // Steady state only: leave out the records sent in the first and last second (the scorer waking from idle,
        // the last batch lingering for records that never come).
        var margin = plan.LatencyDuration >= 3 * s_steadyStateMargin ? s_steadyStateMargin : TimeSpan.Zero;
        var from = start + (long)(margin.TotalSeconds * Stopwatch.Frequency);
        var to = sentAt[^1] - (long)(margin.TotalSeconds * Stopwatch.Frequency);
        var latencies = new List<double>(count);
        var bySource = new Dictionary<(int, long), int>(count);
        for (var i = 0; i < count; i++)
        {
            if (sentAt[i] < from || sentAt[i] > to)
            {
                continue;
            }

            var seen = timeline.FirstSeenCovering(partition[i], offset[i]);
            if (seen < 0)
            {
                throw new BenchmarkFailedException($"Record {partition[i]}/{offset[i]} was never seen committed.");
            }

            latencies.Add(Stopwatch.GetElapsedTime(sentAt[i], seen).TotalMilliseconds);
            bySource[(partition[i], offset[i])] = i;
        }

        var alertLatencies = arrivals
            .Where(a => bySource.ContainsKey((a.Partition, a.Offset)))
            .Select(a => Stopwatch.GetElapsedTime(sentAt[bySource[(a.Partition, a.Offset)]], a.ArrivedAt).TotalMilliseconds)
            .ToList();
        return new Latency(
            count / sendSeconds,
            latencies.Count,
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.99),
            alertLatencies.Count,
            alertLatencies.Count > 0 ? Percentile(alertLatencies, 0.50) : null,
            alertLatencies.Count > 0 ? Percentile(alertLatencies, 0.99) : null);
    }

    /// <summary>Nearest-rank percentile.</summary>
    private static double Percentile(List<double> values, double quantile)
    {
        values.Sort();
        var rank = (int)Math.Ceiling(quantile * values.Count);
        return values[Math.Clamp(rank - 1, 0, values.Count - 1)];
    }
}
