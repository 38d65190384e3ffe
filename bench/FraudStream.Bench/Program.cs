using System.Globalization;
using FraudStream.Bench;
using FraudStream.Bench.HotPath;
using FraudStream.Bench.Scorer;

// make bench         → dotnet run -c Release --project bench/FraudStream.Bench -- broker [records] [rounds]
// make bench-hotpath → dotnet run -c Release --project bench/FraudStream.Bench -- hotpath [BenchmarkDotNet arguments]
// make bench-scorer  → dotnet run -c Release --project bench/FraudStream.Bench -- scorer [records] [rounds] [Section:Key=value ...]
//                      (it starts itself again as `scorer-run` for each measured scorer process)
var harness = args.Length > 0 ? args[0] : "broker";
switch (harness)
{
    case "broker":
        var records = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 500_000;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        return BrokerThroughput.Run(records, rounds);
    case "hotpath":
        return HotPathBenchmarks.Run(args[1..]);
    case "scorer":
        return await ScorerBenchmark.RunAsync(args[1..]);
    case "scorer-run":
        return await ScorerHost.RunAsync(args[1..]);
    default:
        await Console.Error.WriteLineAsync($"Unknown benchmark '{harness}': use 'broker', 'hotpath' or 'scorer'.");
        return 2;
}
