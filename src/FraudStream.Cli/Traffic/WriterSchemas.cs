using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using FraudStream.Avro;
using FraudStream.Avro.Registry;

namespace FraudStream.Cli.Traffic;

/// <summary>Where the traffic verbs get schema ids and writer schemas: Confluent Schema Registry when a URL is given, else the compiled-in catalog.</summary>
internal static class WriterSchemas
{
    /// <summary>The <c>--schema-registry-url</c> option.</summary>
    public static Option<string?> CreateOption() => new("--schema-registry-url")
    {
        Description = "Confluent Schema Registry URL. Without it, the schemas compiled in (the embedded demo's local catalog: "
            + "fraud_alert.avsc = 1, fraud_label.avsc = 2, transaction.avsc = 3, transaction_score.avsc = 4).",
        HelpName = "url",
    };

    /// <summary>The registry at <paramref name="url"/>, or the local catalog when it is null; null with one sentence for a URL that cannot work.</summary>
    public static ISchemaRegistry? Open(string? url, TimeProvider time, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            return LocalSchemaCatalog.FromEmbeddedSchemas();
        }

        return TryParseUrl(url, "--schema-registry-url", out var uri, out error)
            ? new SchemaRegistryClient(new SchemaRegistryOptions { Url = uri }, timeProvider: time)
            : null;
    }

    /// <summary>
    /// Registers the embedded <paramref name="file"/> under <paramref name="topic"/>'s value subject and returns its id (the local
    /// catalog answers with the id it already holds, as a registry does); null after one sentence on stderr when the registry
    /// refused or is down.
    /// </summary>
    public static async Task<int?> RegisterAsync(ISchemaRegistry schemas, string topic, string file, CancellationToken cancellationToken)
    {
        var subject = SchemaSubjects.ForTopicValue(topic);
        try
        {
            return await schemas.RegisterAsync(subject, EmbeddedSchemas.ReadText(file), cancellationToken);
        }
        catch (Exception e) when (e is SchemaRegistryException or SchemaRegistryUnavailableException)
        {
            await Console.Error.WriteLineAsync($"Cannot register schemas/{file} under '{subject}': {e.Message}");
            return null;
        }
    }

    /// <summary>A registry URL must be absolute http(s); else one sentence naming <paramref name="setting"/>.</summary>
    public static bool TryParseUrl(string url, string setting, [NotNullWhen(true)] out Uri? uri, out string? error)
    {
        error = null;
        if (Uri.TryCreate(url, UriKind.Absolute, out uri) && uri.Scheme is "http" or "https")
        {
            return true;
        }

        uri = null;
        error = $"{setting} '{url}' is not an http(s) URL, e.g. http://schema-registry:8081.";
        return false;
    }
}
