using System.CommandLine;
using System.CommandLine.Parsing;
using FraudStream.Streaming;

namespace FraudStream.Cli.Hosting;

/// <summary>Runs the verbs with FraudStream's exit-code conventions: 0 success, 1 failure, 2 bad command line.</summary>
internal static class CommandLineRunner
{
    /// <summary>Exit code for a command line the user must fix.</summary>
    public const int UsageError = 2;

    // Verbs that build no Kafka client: the /predict service and the two file verbs.
    private static readonly HashSet<string> s_verbsWithoutKafka = ["api", "generate", "predict"];

    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            var helpCommand = CommandPath(parseResult.CommandResult);
            // A mistyped verb also yields "Required command was not provided"; the unknown word is the useful news.
            var error = parseResult.UnmatchedTokens.Count > 0
                ? $"Unrecognized command or argument '{parseResult.UnmatchedTokens[0]}'."
                : parseResult.Errors[0].Message;
            await Console.Error.WriteLineAsync($"{error} Run '{helpCommand} --help' for usage.");
            return UsageError;
        }

        // The Kafka client properties file (FRAUDSTREAM_KAFKA_CONFIG) is process-wide: a bad one stops every verb that
        // builds Kafka clients at start. The verbs that never do leave it unread, so they load no Kafka client for it.
        try
        {
            if (!s_verbsWithoutKafka.Contains(TopVerb(parseResult.CommandResult)))
            {
                _ = KafkaClientProperties.Process;
            }
        }
        catch (KafkaClientPropertiesException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return UsageError;
        }

        // Verbs handle SIGINT/SIGTERM themselves (TerminationSignal) so a requested stop exits 0, not 130/143.
        return await parseResult.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    /// <summary>The first word after "fraudstream" ("models" for "fraudstream models show"), or "" for the root alone.</summary>
    private static string TopVerb(CommandResult command)
    {
        var top = "";
        for (SymbolResult? result = command; result is CommandResult { Parent: CommandResult } current; result = current.Parent)
        {
            top = current.Command.Name;
        }

        return top;
    }

    /// <summary>The words that name a command, e.g. "fraudstream models show", so the help hint works for nested verbs.</summary>
    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? result = command; result is CommandResult current; result = current.Parent)
        {
            names.Add(current.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
