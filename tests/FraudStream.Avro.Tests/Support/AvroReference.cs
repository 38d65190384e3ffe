using System.Diagnostics;
using System.Text;

namespace FraudStream.Avro.Tests.Support;

/// <summary>Runs Reference/avro_reference.py with Debian's python3-avro, the reference implementation.</summary>
internal static class AvroReference
{
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public static string SchemaPath(string fileName) => Path.Combine(TestContext.CurrentContext.TestDirectory, "schemas", fileName);

    /// <summary>Encodes JSON records (one per line) with the schema file; returns the bodies.</summary>
    public static IReadOnlyList<byte[]> Encode(string schemaPath, IEnumerable<string> jsonRecords) =>
        Run("encode", schemaPath, string.Join('\n', jsonRecords)).Select(Convert.FromHexString).ToList();

    /// <summary>Decodes bodies with the schema file; returns one JSON document per body.</summary>
    public static IReadOnlyList<string> Decode(string schemaPath, IEnumerable<byte[]> bodies) =>
        Run("decode", schemaPath, string.Join('\n', bodies.Select(Convert.ToHexString)));

    private static List<string> Run(string mode, string schemaPath, string input)
    {
        if (!File.Exists(Python))
        {
            // A missing reference must fail, not skip: a skipped cross-check proves nothing.
            Assert.Fail($"{Python} is missing: run `make deps` to install Debian's python3-avro for the cross-implementation checks.");
        }

        var script = Path.Combine(TestContext.CurrentContext.TestDirectory, "Reference", "avro_reference.py");
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            StandardInputEncoding = new UTF8Encoding(false),
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(mode);
        start.ArgumentList.Add(schemaPath);
        start.Environment["PYTHONIOENCODING"] = "utf-8";

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"avro_reference.py {mode} did not finish within {Limit.TotalSeconds} s. stderr: {stderr.Result}");
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            Assert.Fail($"avro_reference.py {mode} exited with {process.ExitCode}: {stderr.Result}");
        }

        return stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }
}
