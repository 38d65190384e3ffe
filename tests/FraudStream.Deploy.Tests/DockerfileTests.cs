using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FraudStream.Deploy.Tests;

/// <summary>deploy/docker/Dockerfile, read as text: stages, build steps, runtime user and entry point.</summary>
public partial class DockerfileTests
{
    private const string DockerfilePath = "deploy/docker/Dockerfile";

    /// <summary>Instructions with continuation lines joined and comments dropped.</summary>
    private static List<(string Keyword, string Arguments)> Instructions()
    {
        var text = Repo.ReadText(DockerfilePath);
        var lines = text.Split('\n').Where(l => !l.TrimStart().StartsWith('#')).ToList();
        var joined = string.Join('\n', lines).Replace("\\\n", " ", StringComparison.Ordinal);
        return [.. joined.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0)
            .Select(l => (Keyword: l.Split(' ', 2)[0].ToUpperInvariant(), Arguments: l.Contains(' ', StringComparison.Ordinal) ? l.Split(' ', 2)[1].Trim() : ""))];
    }

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex ArgReference();

    /// <summary>The stages: (image with ARG defaults substituted, stage name, its instructions).</summary>
    private static List<(string Image, string? Name, List<(string Keyword, string Arguments)> Body)> Stages()
    {
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        var stages = new List<(string Image, string? Name, List<(string, string)> Body)>();
        foreach (var (keyword, arguments) in Instructions())
        {
            if (keyword == "ARG" && stages.Count == 0 && arguments.Contains('=', StringComparison.Ordinal))
            {
                var parts = arguments.Split('=', 2);
                args[parts[0]] = parts[1];
            }
            else if (keyword == "FROM")
            {
                var words = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToArray();
                var image = ArgReference().Replace(words[0], m => args.GetValueOrDefault(m.Groups["name"].Value, m.Value));
                stages.Add((image, words.Length >= 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null, []));
            }
            else if (stages.Count > 0)
            {
                stages[^1].Body.Add((keyword, arguments));
            }
        }

        return stages;
    }

    /// <summary>The image a stage builds on, following FROM &lt;earlier stage&gt;.</summary>
    private static string BaseImage(string image, List<(string Image, string? Name, List<(string Keyword, string Arguments)> Body)> stages) =>
        stages.FirstOrDefault(s => s.Name == image) is { Name: not null } earlier ? BaseImage(earlier.Image, stages) : image;

    [Test]
    public void It_is_multi_stage_with_the_dotnet_10_sdk_and_aspnet_runtime()
    {
        var stages = Stages();
        var images = stages.Select(s => BaseImage(s.Image, stages)).ToList();

        Assert.That(stages, Has.Count.GreaterThanOrEqualTo(2), "multi-stage");
        Assert.That(images, Does.Contain("mcr.microsoft.com/dotnet/sdk:10.0"));
        Assert.That(images, Does.Contain("mcr.microsoft.com/dotnet/aspnet:10.0"));
        var text = string.Join('\n', Instructions().Select(i => $"{i.Keyword} {i.Arguments}"));
        Assert.That(text, Does.Match(@"COPY --from=\S+ /usr/share/dotnet"), "the final image gets the .NET runtime");
    }

    [Test]
    public void The_build_stage_builds_the_dev_brokers_librdkafka_with_deps_sh_and_publishes_the_cli_with_both_native_libraries()
    {
        var stages = Stages();
        var build = stages.Single(s => s.Name == "build");
        var runs = build.Body.Where(i => i.Keyword == "RUN").Select(i => i.Arguments).ToList();

        Assert.That(runs, Has.Some.Contains("bash deploy/deps.sh"));
        Assert.That(runs, Has.Some.Match(@"dotnet publish src/FraudStream.Cli\b.*-c Release\b.*-o /app\b"));
        Assert.That(runs, Has.Some.Contains("test -f /app/runtimes/linux-x64/native/librdkafka.so"), "the clients' official librdkafka");
        Assert.That(runs, Has.Some.Contains("test -f /app/libfraudstream-devbroker.so"), "the development broker's own library");
        Assert.That(File.Exists(Repo.PathOf("deploy/deps.sh")), Is.True);
    }

    [Test]
    public void The_runtime_stage_runs_fraudstream_as_non_root_with_native_xgboost()
    {
        var runtime = Stages()[^1].Body;
        var runs = string.Join('\n', runtime.Where(i => i.Keyword == "RUN").Select(i => i.Arguments));
        var env = string.Join('\n', runtime.Where(i => i.Keyword == "ENV").Select(i => i.Arguments));

        Assert.That(runs, Does.Match(@"apt-get install[^\n]*\blibxgboost0\b"), "Debian's libxgboost0");
        Assert.That(runs, Does.Match(@"apt-get install(.|\n)*\blibsasl2-2\b"), "the official librdkafka.so links libsasl2.so.3");
        Assert.That(env, Does.Match(@"\bOMP_WAIT_POLICY=PASSIVE\b"));

        var user = runtime.LastOrDefault(i => i.Keyword == "USER").Arguments;
        Assert.That(user, Is.Not.Null.And.Not.Empty, "the runtime stage sets USER");
        Assert.That(user!.Split(':')[0], Is.Not.EqualTo("root").And.Not.EqualTo("0"), "non-root");

        var entrypoint = runtime.LastOrDefault(i => i.Keyword == "ENTRYPOINT").Arguments;
        Assert.That(entrypoint, Is.Not.Null, "ENTRYPOINT");
        var exec = JsonNode.Parse(entrypoint!)!.AsArray().Select(n => n.Str()).ToArray();
        Assert.That(exec, Is.EqualTo(new[] { "dotnet", "/app/fraudstream.dll" }), "exec form, so SIGTERM reaches the process");

        // The dll the entry point names is the CLI's assembly.
        Assert.That(Repo.ReadText("src/FraudStream.Cli/FraudStream.Cli.csproj"), Does.Contain("<AssemblyName>fraudstream</AssemblyName>"));
    }

    [Test]
    public void Every_file_copied_from_the_context_exists_and_build_outputs_stay_out_of_it()
    {
        foreach (var (keyword, arguments) in Instructions().Where(i => i.Keyword is "COPY" or "ADD"))
        {
            var words = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Any(w => w.StartsWith("--from=", StringComparison.Ordinal)))
            {
                continue;
            }

            foreach (var source in words.Where(w => !w.StartsWith("--", StringComparison.Ordinal)).SkipLast(1))
            {
                Assert.That(File.Exists(Repo.PathOf(source)) || Directory.Exists(Repo.PathOf(source)), Is.True, $"{keyword} {source}: not in the repository");
            }
        }

        var ignore = Repo.ReadText(DockerfilePath + ".dockerignore").Split('\n').Select(l => l.Trim()).ToList();
        Assert.That(ignore, Is.SupersetOf(new[] { ".deps", "**/bin", "**/obj" }), "host build outputs must not reach the image build");
    }
}
