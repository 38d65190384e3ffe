using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using FraudStream.XGBoost;

namespace FraudStream.Cli.Hosting;

/// <summary>`fraudstream --version`: the product's version and commit, and the native libraries this process loads.</summary>
internal sealed class VersionReport : SynchronousCommandLineAction
{
    /// <summary>Makes <paramref name="root"/>'s --version print <see cref="Describe"/>.</summary>
    public static void Attach(RootCommand root) => root.Options.OfType<VersionOption>().Single().Action = new VersionReport();

    /// <summary>One line per component: FraudStream (version, commit), librdkafka, XGBoost, .NET.</summary>
    public static string Describe()
    {
        var informational = typeof(VersionReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        var (version, commit) = plus < 0 ? (informational, "unknown") : (informational[..plus], informational[(plus + 1)..]);
        commit = commit.Length > 12 ? commit[..12] : commit;
        return string.Join(
            Environment.NewLine,
            $"fraudstream {version} (commit {commit})",
            $"librdkafka {Confluent.Kafka.Library.VersionString}",
            $"XGBoost {XGBoostLibrary.Version}",
            $".NET {Environment.Version}");
    }

    public override int Invoke(ParseResult parseResult)
    {
        Console.WriteLine(Describe());
        return 0;
    }
}
