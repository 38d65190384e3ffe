namespace FraudStream.Testing;

/// <summary>The shared libraries a process has mapped, read from /proc/PID/maps: which librdkafka a process really loaded.</summary>
public static class NativeLibraries
{
    /// <summary>File name of the development broker's librdkafka (FraudStream's patched mock cluster).</summary>
    public const string DevelopmentBroker = "libfraudstream-devbroker.so";


    /// <summary>Paths of the shared objects process <paramref name="processId"/> has mapped, in first-mapped order.</summary>
    public static IReadOnlyList<string> MappedBy(int processId) =>
        [.. File.ReadLines($"/proc/{processId}/maps")
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length == 6 && fields[5].StartsWith('/') && fields[5].Contains(".so", StringComparison.Ordinal))
            .Select(fields => fields[5].Trim())
            .Distinct()];

    /// <summary>
    /// Whether <paramref name="processId"/> has Confluent's official librdkafka mapped: one of the librdkafka.redist
    /// package's linux-x64 builds (librdkafka.so, centos8-librdkafka.so, alpine-librdkafka.so; Confluent.Kafka picks one
    /// for the system it runs on), from the app's runtimes/linux-x64/native.
    /// </summary>
    public static bool MapsOfficialClient(int processId) =>
        MappedBy(processId).Any(path =>
            path.Contains("/runtimes/linux-x64/native/", StringComparison.Ordinal)
            && Path.GetFileName(path).EndsWith("librdkafka.so", StringComparison.Ordinal));

    /// <summary>Whether <paramref name="processId"/> has a library of exactly that file name mapped.</summary>
    public static bool Maps(int processId, string fileName) =>
        MappedBy(processId).Any(path => Path.GetFileName(path) == fileName);
}
