using System.Globalization;
using FraudStream.Bench;

// make bench → `dotnet run --project bench/FraudStream.Bench -c Release -- broker [records] [rounds]`
var harness = args.Length > 0 ? args[0] : "broker";
var records = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 500_000;
var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;

switch (harness)
{
    case "broker":
        return BrokerThroughput.Run(records, rounds);
    default:
        await Console.Error.WriteLineAsync($"Unknown benchmark '{harness}': use 'broker'.");
        return 2;
}
