using System.Globalization;
using System.Text.Json;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using FraudStream.Api;
using FraudStream.Simulation;

namespace FraudStream.Cli.Demo;

/// <summary>What `fraudstream demo` shows: the example /predict request and the run's summary.</summary>
internal static class DemoReport
{
    /// <summary>JSON as sent: compact, non-ASCII kept.</summary>
    public static readonly JsonSerializerOptions SentJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>JSON as shown: indented.</summary>
    public static readonly JsonSerializerOptions ShownJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };

    /// <summary>A generated fraudulent transaction, the same every run, as /predict's JSON.</summary>
    public static JsonObject ExampleTransaction() =>
        TransactionJson.Write(new TransactionGenerator(new GeneratorOptions { Seed = 7, FraudRatio = 0.2, Cards = 500 })
            .Generate(10_000)
            .First(t => t.IsFraud)
            .Transaction);

    /// <summary>Prints the example /predict call and the run's summary.</summary>
    public static void PrintSummary(LoadReport load, PipelineMetrics metrics, TimeSpan scoringTime, int alertRows, string request, string answer)
    {
        var invariant = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine("Example /predict call:");
        Console.WriteLine("POST /predict  (X-API-Key: the demo's key)");
        Console.WriteLine(request);
        Console.WriteLine("Answer:");
        Console.WriteLine(answer);
        Console.WriteLine();
        Console.WriteLine("Summary");
        Console.WriteLine(string.Create(invariant, $"  Records sent:          {load.Sent:N0} (acknowledged {load.Acknowledged:N0})"));
        Console.WriteLine(string.Create(invariant, $"  Records scored:        {metrics.Scored:N0}"));
        Console.WriteLine(string.Create(invariant, $"  Alerts:                {metrics.Alerts:N0} ({alertRows:N0} seen by `fraudstream alerts`)"));
        Console.WriteLine(string.Create(invariant, $"  DLQ:                   {metrics.DeadLettered:N0}"));
        Console.WriteLine(string.Create(invariant, $"  Kafka transactions:    {metrics.Committed:N0} committed, {metrics.Aborted:N0} aborted"));
        Console.WriteLine(string.Create(invariant,
            $"  Throughput:            {metrics.Scored / Math.Max(1e-3, scoringTime.TotalSeconds):N0} records/s scored ({metrics.Scored:N0} in {scoringTime.TotalSeconds:N1} s); produced at {load.AchievedRate}"));
        Console.WriteLine($"  End-to-end latency:    {load.EndToEnd}");
        var stages = metrics.Stages;
        Console.WriteLine($"  Produce → ack:         {load.Acknowledgement}");
        Console.WriteLine(string.Create(invariant,
            $"  Scorer, per batch:     {stages.MeanBatchSize:N1} records on average, scored in {stages.MeanScoring.TotalMilliseconds:N2} ms, transaction {stages.MeanCommit.TotalMilliseconds:N2} ms"));
        Console.WriteLine(string.Create(invariant,
            $"  Produce → committed:   {stages.CommittedWithin("0.025") * 100:F1}% of {stages.Records:N0} records within 25 ms, {stages.CommittedWithin("0.05") * 100:F1}% within 50 ms"));
        Console.WriteLine(string.Create(invariant, $"  /predict:              model_version {JsonNode.Parse(answer)?["model_version"]?.GetValue<string>() ?? "?"}"));
    }
}
