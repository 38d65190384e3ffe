using System.Diagnostics;
using FraudStream.Operations.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace FraudStream.Operations.Tests;

/// <summary>Spans over OTLP: off unless a collector is named; then every request but the operations endpoints, and the process's own sources.</summary>
[TestFixture]
public sealed class TracingTests
{
    [Test]
    public async Task Without_a_collector_there_is_no_tracer_provider_and_nobody_listens_to_the_sources()
    {
        var source = $"FraudStream.Operations.Tests.{Guid.NewGuid():N}";
        await using var host = await OperationsHost.StartAsync(activitySources: source);
        using var activitySource = new ActivitySource(source);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(host.Services.GetService<TracerProvider>(), Is.Null);
            Assert.That(activitySource.HasListeners(), Is.False);
        }
    }

    [Test]
    public async Task With_a_collector_each_request_and_each_span_of_the_sources_is_exported_and_scrapes_are_not()
    {
        // Arrange
        await using var collector = await OtlpReceiver.StartAsync();
        var source = $"FraudStream.Operations.Tests.{Guid.NewGuid():N}";
        await using var host = await OperationsHost.StartAsync(
            new Dictionary<string, string?> { [OtlpTarget.EndpointKey] = collector.Url.ToString(), [OtlpTarget.ProtocolKey] = "http/protobuf" },
            source);
        using var activitySource = new ActivitySource(source);
        var tracer = host.Services.GetRequiredService<TracerProvider>();

        // Act
        using (var scrape = await host.Http.GetAsync(new Uri(OperationsEndpoints.MetricsPath, UriKind.Relative)))
        using (var probe = await host.Http.GetAsync(new Uri(OperationsEndpoints.ReadyPath, UriKind.Relative)))
        using (var predict = await host.Http.PostAsync(new Uri("/predict", UriKind.Relative), null))
        {
        }

        using (var batch = activitySource.StartActivity("process transactions"))
        {
            batch?.SetTag("messaging.batch.message_count", 7);
        }

        await Eventually.TrueAsync(
            () => tracer.ForceFlush(1000) && collector.Received.Contains("POST /predict", StringComparison.Ordinal)
                && collector.Received.Contains("process transactions", StringComparison.Ordinal),
            "the request's and the batch's spans at the collector",
            () => $"{collector.Exports} exports: {collector.Received}");

        // Assert
        using (Assert.EnterMultipleScope())
        {
            Assert.That(collector.Received, Does.Contain(OperationsHost.ServiceName), "the spans carry the service name");
            Assert.That(collector.Received, Does.Contain("messaging.batch.message_count"));
            Assert.That(collector.Received, Does.Not.Contain("/metrics").And.Not.Contain("/health"), "scrapes and probes are not traced");
        }
    }
}
