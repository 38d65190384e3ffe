using System.Diagnostics;
using Confluent.Kafka;

namespace FraudStream.Bench.Scorer;

/// <summary>One run of the Python peer at one batch size.</summary>
/// <param name="Batch">Records it consumes per transaction at the most.</param>
/// <param name="Rate">Records / s from the first committed-offset advance seen to all committed (as the scorer's rate).</param>
/// <param name="WindowSeconds">The measured window.</param>
/// <param name="CpuUs">Its CPU over the measured window, µs per record.</param>
/// <param name="Report">What it says of itself.</param>
/// <param name="CommittedAlerts">Alerts a read_committed reader of its alerts topic sees afterwards.</param>
/// <param name="Markers">
/// Offsets of the alerts topic that hold no alert: transaction markers, so more than zero only when the alerts were
/// written in transactions (Kafka writes one per partition a transaction wrote to; the development broker fewer).
/// </param>
internal sealed record PeerResult(int Batch, double Rate, double WindowSeconds, double CpuUs, PeerReport Report, long CommittedAlerts, long Markers);

/// <summary>
/// The Python peer after the scorer rounds, on one more input topic preloaded with the same records: one consumer group
/// (and alerts topic) per batch size, each reading the topic from its beginning.
/// </summary>
internal static class PeerRun
{
    public static readonly int[] Batches = [1_000, 10_000];

    public static async Task<List<PeerResult>> ExecuteAsync(BenchCluster cluster, RunPlan plan)
    {
        var name = $"fsbench-{plan.RunId}-peer";
        var input = name + "-in";
        await cluster.CreateTopicAsync(input, plan.Partitions);
        using (var producer = ScorerRun.BuildProducer(cluster.BootstrapServers))
        {
            ScorerRun.Preload(producer, input, plan.Records);
        }

        var results = new List<PeerResult>();
        foreach (var batch in Batches)
        {
            var group = $"{name}-b{batch}";
            var alerts = group + "-alerts";
            await cluster.CreateTopicAsync(alerts, plan.Partitions);
            using var offsets = new CommittedOffsets(cluster.BootstrapServers, group, input, plan.Partitions);
            var records = offsets.EndOffsets().Sum();
            var started = Stopwatch.GetTimestamp();
            using var peer = PythonPeer.Start(cluster.BootstrapServers, plan.RegistryDirectory, input, alerts, group, batch, records);
            var throughput = ScorerRun.MeasureThroughput(offsets, peer, records, started);
            var report = await peer.WaitAsync(TimeSpan.FromSeconds(60));
            var committedAlerts = CountCommitted(cluster.BootstrapServers, alerts, plan.Partitions);
            using var alertOffsets = new CommittedOffsets(cluster.BootstrapServers, alerts + "-probe", alerts, plan.Partitions);
            var result = new PeerResult(batch, throughput.Rate, throughput.WindowSeconds, throughput.ScorerCpuUs, report,
                committedAlerts, alertOffsets.EndOffsets().Sum() - committedAlerts);
            Console.WriteLine(
                $"python peer, batch {batch,6:N0}: first commit after {throughput.StartupSeconds:0.00} s, {result.Rate:N0} records/s over {result.WindowSeconds:0.00} s "
                + $"(loop's own {report.LoopRate:N0}/s, {report.Batches:N0} transactions, {report.Alerts:N0} alerts, {result.CommittedAlerts:N0} seen by a read_committed reader, {result.Markers:N0} transaction markers), "
                + $"{result.CpuUs:0.00} CPU µs/record, peak RSS {report.PeakRssBytes / 1048576.0:0} MiB");
            results.Add(result);
        }

        return results;
    }

    /// <summary>Records a read_committed consumer reads from <paramref name="topic"/>'s beginning to its end.</summary>
    private static long CountCommitted(string bootstrapServers, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = topic + "-bench-count",
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnablePartitionEof = true,
        }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var atEnd = new HashSet<int>();
        long count = 0;
        var deadline = Stopwatch.StartNew();
        while (atEnd.Count < partitions)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new BenchmarkFailedException($"A read_committed reader did not reach the end of {topic} within 30 s.");
            }

            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null)
            {
                continue;
            }

            if (result.IsPartitionEOF)
            {
                atEnd.Add(result.Partition.Value);
            }
            else
            {
                count++;
            }
        }

        consumer.Close();
        return count;
    }
}
