using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;

namespace FraudStream.Operations.Tests;

/// <summary>Which collector, if any, the settings and the standard environment variables name.</summary>
[TestFixture]
public sealed class OtlpTargetTests
{
    [Test]
    public void Nothing_configured_means_no_tracing() =>
        Assert.That(OtlpTarget.Resolve(Settings(), NoEnvironment), Is.Null);

    [Test]
    public void The_standard_variable_names_a_grpc_collector()
    {
        var target = OtlpTarget.Resolve(Settings(), Environment(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")));

        Assert.That(target, Is.EqualTo(new OtlpTarget(new Uri("http://collector:4317"), OtlpExportProtocol.Grpc)));
    }

    [Test]
    public void The_setting_wins_over_the_environment()
    {
        var target = OtlpTarget.Resolve(
            Settings((OtlpTarget.EndpointKey, "http://mine:4317")),
            Environment(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://theirs:4317")));

        Assert.That(target?.Endpoint, Is.EqualTo(new Uri("http://mine:4317")));
    }

    [Test]
    public void Over_http_spans_go_to_the_collectors_v1_traces_once()
    {
        var environment = Environment(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"));
        var fromBase = OtlpTarget.Resolve(Settings(), environment);
        var fromFull = OtlpTarget.Resolve(Settings((OtlpTarget.EndpointKey, "http://collector:4318/v1/traces")), environment);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(fromBase, Is.EqualTo(new OtlpTarget(new Uri("http://collector:4318/v1/traces"), OtlpExportProtocol.HttpProtobuf)));
            Assert.That(fromFull?.Endpoint, Is.EqualTo(new Uri("http://collector:4318/v1/traces")));
        }
    }

    [TestCase("collector:4317", "must be an http or https URL")]
    [TestCase("ftp://collector", "must be an http or https URL")]
    public void An_endpoint_that_cannot_work_is_refused_in_one_sentence(string endpoint, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => OtlpTarget.Resolve(Settings((OtlpTarget.EndpointKey, endpoint)), NoEnvironment));

        Assert.That(error!.Message, Does.Contain(expected).And.Contain(OtlpTarget.EndpointKey));
    }

    [Test]
    public void An_unknown_protocol_is_refused_in_one_sentence()
    {
        var error = Assert.Throws<ArgumentException>(() => OtlpTarget.Resolve(
            Settings((OtlpTarget.EndpointKey, "http://collector:4317"), (OtlpTarget.ProtocolKey, "http/json")), NoEnvironment));

        Assert.That(error!.Message, Does.Contain("must be grpc or http/protobuf, not 'http/json'"));
    }

    private static string? NoEnvironment(string name) => null;

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    private static IConfiguration Settings(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}
