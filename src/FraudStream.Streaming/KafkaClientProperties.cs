using System.Globalization;
using Confluent.Kafka;

namespace FraudStream.Streaming;

/// <summary>
/// Connection settings every Kafka client of the process applies first: TLS, SASL, OAUTHBEARER/OIDC and the like, from
/// a librdkafka properties file (<c>name=value</c> lines, <c>#</c> comments, as Kafka's client.properties) named by
/// <see cref="Variable"/>. Each client's own settings (group, transactions, isolation) are set after them, and the
/// scorer's <c>Scorer:Consumer:*</c> / <c>Scorer:Producer:*</c> after those.
/// </summary>
public sealed class KafkaClientProperties
{
    /// <summary>The environment variable naming the properties file.</summary>
    public const string Variable = "FRAUDSTREAM_KAFKA_CONFIG";

    // Set per client by the code that builds it (its role, its group, its transactions) or given separately.
    private static readonly HashSet<string> s_perClientSettings =
    [
        "bootstrap.servers", "group.id", "group.instance.id", "transactional.id", "enable.idempotence", "isolation.level",
        "enable.auto.commit", "enable.auto.offset.store", "client.id",
    ];

    private static readonly Lazy<KafkaClientProperties> s_process = new(FromEnvironment);

    private KafkaClientProperties(IReadOnlyDictionary<string, string> settings, string? source)
    {
        Settings = settings;
        Source = source;
    }

    /// <summary>None: the clients connect with librdkafka's defaults (plaintext, no authentication).</summary>
    public static KafkaClientProperties None { get; } = new(new Dictionary<string, string>(), source: null);

    /// <summary>This process's settings, read from <see cref="Variable"/> on first use.</summary>
    /// <exception cref="KafkaClientPropertiesException">The file cannot be read or holds a line that cannot work.</exception>
    public static KafkaClientProperties Process => s_process.Value;

    /// <summary>The settings, name → value, in file order.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>Where they came from ("FRAUDSTREAM_KAFKA_CONFIG=/path"), null when none were given.</summary>
    public string? Source { get; }

    /// <summary>Reads the file <see cref="Variable"/> names; <see cref="None"/> when it is unset or empty.</summary>
    public static KafkaClientProperties FromEnvironment() =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path ? Load(path) : None;

    /// <summary>Reads and checks a properties file: its syntax, the names it may set, and each value as librdkafka reads it.</summary>
    /// <exception cref="KafkaClientPropertiesException">The file cannot be read or holds a line that cannot work (the message says which).</exception>
    public static KafkaClientProperties Load(string path)
    {
        var source = $"{Variable}={path}";
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KafkaClientPropertiesException($"{source}: cannot read the Kafka client properties file ({e.Message}).");
        }

        var properties = new KafkaClientProperties(Parse(lines, source), source);
        properties.CheckWithLibrdkafka();
        return properties;
    }

    /// <summary>A copy of the settings to start a client's configuration from, e.g. <c>new ConsumerConfig(properties.ToDictionary()) { ... }</c>: the client's own settings then win.</summary>
    public Dictionary<string, string> ToDictionary() => new(Settings, StringComparer.Ordinal);

    private static Dictionary<string, string> Parse(string[] lines, string source)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] is '#' or '!')
            {
                continue;
            }

            var at = string.Create(CultureInfo.InvariantCulture, $"{source} line {i + 1}");
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new KafkaClientPropertiesException($"{at}: '{line}' is not name=value: write one librdkafka setting per line, e.g. security.protocol=SASL_SSL.");
            }

            var name = line[..equals].Trim();
            if (s_perClientSettings.Contains(name))
            {
                throw new KafkaClientPropertiesException(
                    $"{at}: '{name}' is set by FraudStream for each client (or by its own option): keep only connection settings such as security.protocol, sasl.* and ssl.* in this file.");
            }

            settings[name] = line[(equals + 1)..].Trim();
        }

        return settings;
    }

    /// <summary>Lets librdkafka read the settings now, so a misspelt name or a bad value stops the process at start.</summary>
    private void CheckWithLibrdkafka()
    {
        if (Settings.Count == 0)
        {
            return;
        }

        try
        {
            // A producer that is never used: no bootstrap servers, so it connects nowhere. The settings go in together,
            // as some only hold with others (sasl.oauthbearer.method=oidc needs its client id, secret and token URL).
            using var probe = new ProducerBuilder<byte[], byte[]>(new ProducerConfig(ToDictionary())).SetLogHandler((_, _) => { }).Build();
        }
        catch (Exception e) when (e is ArgumentException or KafkaException or InvalidOperationException)
        {
            throw new KafkaClientPropertiesException($"{Source}: librdkafka refuses these settings: {e.Message.TrimEnd('.')}.");
        }
    }
}

/// <summary>The Kafka client properties file cannot work; the message is one sentence saying what to fix.</summary>
public sealed class KafkaClientPropertiesException(string message) : Exception(message);
