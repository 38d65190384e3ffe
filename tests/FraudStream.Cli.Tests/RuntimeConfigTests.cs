using System.Text.Json;
using FraudStream.Cli.Hosting;

namespace FraudStream.Cli.Tests;

/// <summary>The thread pool's spinning as fraudstream starts it: off in its runtimeconfig.json, the runtime's default for `api`.</summary>
[NonParallelizable] // sets process-wide AppContext data
public sealed class RuntimeConfigTests
{
    [Test]
    public void The_shipped_runtimeconfig_stops_idle_thread_pool_workers_from_spinning()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fraudstream.runtimeconfig.json")));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.That(properties.TryGetProperty(ThreadPoolSpinning.Setting, out var limit) ? limit.ToString() : null, Is.EqualTo("0"));
    }

    [Test]
    public void Only_the_api_verb_gets_the_runtime_default_back()
    {
        var before = AppContext.GetData(ThreadPoolSpinning.Setting);

        ThreadPoolSpinning.ForVerb(["score", "--bootstrap-servers", "localhost:9092"]);
        ThreadPoolSpinning.ForVerb([]);
        ThreadPoolSpinning.ForVerb(["alerts", "api"]);
        Assert.That(AppContext.GetData(ThreadPoolSpinning.Setting), Is.EqualTo(before), "other verbs keep the runtimeconfig's setting");

        ThreadPoolSpinning.ForVerb(["api", "--url", "http://127.0.0.1:0"]);
        Assert.That(AppContext.GetData(ThreadPoolSpinning.Setting), Is.EqualTo(ThreadPoolSpinning.RuntimeDefault));
    }
}
