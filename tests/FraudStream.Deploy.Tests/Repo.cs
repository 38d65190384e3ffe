using System.Diagnostics;
using System.Text.Json.Nodes;

namespace FraudStream.Deploy.Tests;

/// <summary>The repository under test and the tools the checks run: python3's yaml module, promtool.</summary>
internal static class Repo
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    public static string Root => s_root.Value;

    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static string ReadText(string relative)
    {
        var path = PathOf(relative);
        Assert.That(File.Exists(path), Is.True, $"{relative} does not exist.");
        return File.ReadAllText(path);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FraudStream.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No FraudStream.sln above {TestContext.CurrentContext.TestDirectory}.");
    }
}

/// <summary>Runs a tool and captures what it prints.</summary>
internal static class Tool
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repo.Root,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{fileName} {string.Join(' ', arguments)} did not finish within the time limit.");
        }

        process.WaitForExit();
        return new Result(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>Finds an executable on PATH (or one of the given absolute candidates); null if none.</summary>
    public static string? Find(string name, params string[] candidates)
    {
        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>promtool (Debian's prometheus package), or a failed test that says how to get it.</summary>
    public static string Promtool()
    {
        var promtool = Find("promtool", "/usr/bin/promtool");
        if (promtool is null)
        {
            Assert.Fail("promtool is not installed: it comes with Debian's prometheus package (`make deps` installs it, or apt-get install prometheus).");
        }

        return promtool!;
    }
}

/// <summary>
/// YAML parsed by PyYAML (Debian's python3-yaml, run with /usr/bin/python3: no YAML parser is on our NuGet
/// mirror), handed over as JSON. safe_load_all: every document of a multi-document file, merge keys resolved.
/// </summary>
internal static class Yaml
{
    private const string MissingModuleExitCode = "3";

    private const string Script = """
        import json, sys
        try:
            import yaml
        except ImportError:
            sys.stderr.write("the python3 yaml module (PyYAML) is not installed")
            sys.exit(3)
        try:
            with open(sys.argv[1], encoding="utf-8") as f:
                docs = [d for d in yaml.safe_load_all(f) if d is not None]
        except yaml.YAMLError as e:
            sys.stderr.write("not valid YAML: %s" % e)
            sys.exit(1)
        json.dump(docs, sys.stdout, default=str)
        """;

    /// <summary>Every document of the file (a file with one document gives a list of one).</summary>
    public static IReadOnlyList<JsonNode> LoadAll(string relativePath)
    {
        var path = Repo.PathOf(relativePath);
        Assert.That(File.Exists(path), Is.True, $"{relativePath} does not exist.");
        var python = Tool.Find("python3", "/usr/bin/python3");
        if (python is null)
        {
            Assert.Fail("python3 is not installed: the YAML checks parse with Debian's python3 and python3-yaml (apt-get install python3-yaml).");
        }

        var result = Tool.Run(python!, ["-c", Script, path]);
        if (result.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) == MissingModuleExitCode)
        {
            Assert.Fail($"{python} cannot import yaml: install Debian's python3-yaml (apt-get install python3-yaml) to run the YAML checks.");
        }

        Assert.That(result.ExitCode, Is.Zero, $"{relativePath}: {result.Stderr.Trim()}");
        var docs = JsonNode.Parse(result.Stdout)!.AsArray();
        return [.. docs.Select(d => d!)];
    }

    /// <summary>The file's only document.</summary>
    public static JsonObject Load(string relativePath)
    {
        var docs = LoadAll(relativePath);
        Assert.That(docs, Has.Count.EqualTo(1), $"{relativePath} should hold exactly one YAML document.");
        Assert.That(docs[0], Is.InstanceOf<JsonObject>(), $"{relativePath} should be a mapping at the top.");
        return docs[0].AsObject();
    }
}

/// <summary>Small helpers over parsed documents.</summary>
internal static class Json
{
    public static string? Str(this JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var s) => s,
        JsonValue value => value.ToJsonString(),
        _ => node.ToJsonString(),
    };

    public static IEnumerable<JsonNode> Items(this JsonNode? node) =>
        node is JsonArray array ? array.Where(n => n is not null).Select(n => n!) : [];
}
