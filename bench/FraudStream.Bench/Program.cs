using System.Globalization;
using FraudStream.Bench;
using FraudStream.Bench.History;
using FraudStream.Bench.HotPath;
using FraudStream.Bench.Independent;
using FraudStream.Bench.Predict;
using FraudStream.Bench.Scorer;

// make bench         → dotnet run -c Release --project bench/FraudStream.Bench -- broker [records] [rounds]
// make bench-hotpath → dotnet run -c Release --project bench/FraudStream.Bench -- hotpath [BenchmarkDotNet arguments]
// make bench-scorer  → dotnet run -c Release --project bench/FraudStream.Bench -- scorer [records] [rounds] [Section:Key=value ...]
//                      (it starts itself again as `scorer-run` for each measured scorer process)
// make bench-predict → dotnet run -c Release --project bench/FraudStream.Bench -- predict [seconds] [registry]
//                      (wrk against `fraudstream api` and the FastAPI peer in bench/peer; bench/peer/deps.sh installs wrk and the peer)
// make bench-independent → dotnet run -c Release --project bench/FraudStream.Bench -- independent [customers] [days] [seed] [csv]
//                      (detection quality on a handbook-style simulated dataset: fraudstream train vs hand-made features)
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
    case "predict":
        return await PredictBenchmark.RunAsync(args[1..]);
    case "independent":
        return IndependentBenchmark.Run(args[1..]);
    case "restore":
        return await RestoreBenchmark.RunAsync(args[1..]);
    default:
        await Console.Error.WriteLineAsync($"Unknown benchmark '{harness}': use 'broker', 'hotpath', 'scorer', 'predict', 'independent' or 'restore'.");
        return 2;
}
