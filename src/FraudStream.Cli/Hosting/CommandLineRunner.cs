using System.CommandLine;

namespace FraudStream.Cli.Hosting;

/// <summary>Runs the verbs with FraudStream's exit-code conventions: 0 success, 1 failure, 2 bad command line.</summary>
internal static class CommandLineRunner
{
    /// <summary>Exit code for a command line the user must fix.</summary>
    public const int UsageError = 2;

    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            var verb = parseResult.CommandResult.Command;
            var helpCommand = verb == root ? root.Name : $"{root.Name} {verb.Name}";
            // A mistyped verb also yields "Required command was not provided"; the unknown word is the useful news.
            var error = parseResult.UnmatchedTokens.Count > 0
                ? $"Unrecognized command or argument '{parseResult.UnmatchedTokens[0]}'."
                : parseResult.Errors[0].Message;
            await Console.Error.WriteLineAsync($"{error} Run '{helpCommand} --help' for usage.");
            return UsageError;
        }

        // Verbs handle SIGINT/SIGTERM themselves (TerminationSignal) so a requested stop exits 0, not 130/143.
        return await parseResult.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }
}
