using System.CommandLine;
using System.Globalization;
using FraudStream.Cli.Hosting;
using FraudStream.Simulation;
using FraudStream.Core.Transactions;

namespace FraudStream.Cli.Verbs;

/// <summary>`fraudstream generate`: writes labelled, generated transactions as CSV for training and tests.</summary>
internal static class GenerateVerb
{
    /// <summary>Most rows one run writes.</summary>
    private const int MaxRows = 100_000_000;

    public static Command Create()
    {
        var rows = new Option<int>("--rows") { Description = "Number of transactions to write.", DefaultValueFactory = _ => 100_000 };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed writes the same file.", DefaultValueFactory = _ => 42 };
        var fraudRatio = new Option<double>("--fraud-ratio") { Description = "Expected share of fraudulent transactions, 0..0.5.", DefaultValueFactory = _ => 0.01 };
        var cards = new Option<int>("--cards") { Description = "Number of cards.", DefaultValueFactory = _ => 5_000 };
        var output = new Option<FileInfo>("--out") { Description = "CSV file to write.", Required = true, HelpName = "file.csv" };

        var command = new Command("generate", "Write labelled, generated card transactions (with fraud scenarios) as CSV.")
        {
            rows, seed, fraudRatio, cards, output,
        };
        command.SetAction(parseResult => Run(
            parseResult.GetValue(rows),
            new GeneratorOptions
            {
                Seed = parseResult.GetValue(seed),
                FraudRatio = parseResult.GetValue(fraudRatio),
                Cards = parseResult.GetValue(cards),
            },
            parseResult.GetValue(output)!));
        return command;
    }

    private static int Run(int rows, GeneratorOptions options, FileInfo output)
    {
        if (rows is < 1 or > MaxRows)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"--rows must be from 1 to {MaxRows:N0}, not {rows}."));
            return CommandLineRunner.UsageError;
        }

        TransactionGenerator generator;
        try
        {
            generator = new TransactionGenerator(options);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return CommandLineRunner.UsageError;
        }

        if (DataFiles.OutputProblem(output, "transactions.csv") is { } problem)
        {
            Console.Error.WriteLine(problem);
            return CommandLineRunner.UsageError;
        }

        var fraud = 0;
        try
        {
            using var writer = new StreamWriter(output.FullName);
            LabelledTransactionCsv.Write(writer, generator.Generate(rows).Select(r =>
            {
                fraud += r.IsFraud ? 1 : 0;
                return r;
            }));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"Could not write --out '{output.FullName}' ({e.Message}); check the path is a writable file and the disk has room.");
            return 1;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Wrote {rows:N0} transactions ({fraud:N0} fraud, {100.0 * fraud / rows:F2}%) to {output.FullName}"));
        return 0;
    }
}
