namespace FraudStream.Testing;

/// <summary>
/// The files a process has mapped, read from /proc/PID/maps: which librdkafka it really loaded, and which assemblies
/// (.NET maps each assembly it loads, so an assembly absent here was never loaded).
/// </summary>
public static class MappedFiles
{
    /// <summary>File name of the development broker's librdkafka (FraudStream's patched mock cluster).</summary>
    public const string DevelopmentBroker = "libfraudstream-devbroker.so";

    /// <summary>File name of the Kafka client's assembly.</summary>
    public const string KafkaClientAssembly = "Confluent.Kafka.dll";

    /// <summary>Paths of the files process <paramref name="processId"/> has mapped (libraries, assemblies), in first-mapped order.</summary>
    public static IReadOnlyList<string> Of(int processId) =>
        [.. File.ReadLines($"/proc/{processId}/maps")
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length == 6 && fields[5].StartsWith('/'))
            .Select(fields => fields[5].Trim())
            .Distinct()];

    /// <summary>
    /// Whether <paramref name="processId"/> has Confluent's official librdkafka mapped: one of the librdkafka.redist
    /// package's linux-x64 builds (librdkafka.so, centos8-librdkafka.so, alpine-librdkafka.so; Confluent.Kafka picks one
    /// for the system it runs on), from the app's runtimes/linux-x64/native.
    /// </summary>
    public static bool MapsOfficialClient(int processId) =>
        Of(processId).Any(path =>
            path.Contains("/runtimes/linux-x64/native/", StringComparison.Ordinal)
            && Path.GetFileName(path).EndsWith("librdkafka.so", StringComparison.Ordinal));

    /// <summary>Whether <paramref name="processId"/> has a file of exactly that name mapped (a library, an assembly).</summary>
    public static bool Maps(int processId, string fileName) =>
        Of(processId).Any(path => Path.GetFileName(path) == fileName);
}
