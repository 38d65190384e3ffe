using System.Globalization;
using FraudStream.Bench;
using FraudStream.Bench.HotPath;

// make bench         → dotnet run -c Release --project bench/FraudStream.Bench -- broker [records] [rounds]
// make bench-hotpath → dotnet run -c Release --project bench/FraudStream.Bench -- hotpath [BenchmarkDotNet arguments]
var harness = args.Length > 0 ? args[0] : "broker";
switch (harness)
{
    case "broker":
        var records = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 500_000;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        return BrokerThroughput.Run(records, rounds);
    case "hotpath":
        return HotPathBenchmarks.Run(args[1..]);
    default:
        await Console.Error.WriteLineAsync($"Unknown benchmark '{harness}': use 'broker' or 'hotpath'.");
        return 2;
}
