using System.Net;
using Microsoft.Extensions.Logging;
using FraudStream.Operations.Tests.Support;

namespace FraudStream.Operations.Tests;

/// <summary>/health/live and /health/ready through ASP.NET Core health checks: the paths, codes and JSON of before.</summary>
[TestFixture]
public sealed class HealthEndpointsTests
{
    [Test]
    public async Task Live_answers_200_with_status_live_whatever_readiness_says()
    {
        await using var host = await OperationsHost.StartAsync();

        using var live = await host.Http.GetAsync(new Uri(OperationsEndpoints.LivePath, UriKind.Relative));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await live.Content.ReadAsStringAsync(), Is.EqualTo("""{"status":"live"}"""));
            Assert.That(live.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        }
    }

    [Test]
    public async Task Ready_answers_503_with_its_facts_until_ready_then_200()
    {
        await using var host = await OperationsHost.StartAsync();

        using var before = await host.Http.GetAsync(new Uri(OperationsEndpoints.ReadyPath, UriKind.Relative));
        var beforeBody = await before.Content.ReadAsStringAsync();
        host.Readiness = new ReadinessReport(true, new Dictionary<string, object?>
        {
            ["model_version"] = "20261206_120000",
            ["producer_ready"] = true,
            ["assigned_partitions"] = 2,
        });
        using var after = await host.Http.GetAsync(new Uri(OperationsEndpoints.ReadyPath, UriKind.Relative));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(beforeBody, Is.EqualTo("""{"model_version":null,"status":"not ready"}"""));
            Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(
                await after.Content.ReadAsStringAsync(),
                Is.EqualTo("""{"model_version":"20261206_120000","producer_ready":true,"assigned_partitions":2,"status":"ready"}"""));
        }
    }

    [Test]
    public async Task A_readiness_that_throws_is_not_ready_and_logged_once()
    {
        await using var host = await OperationsHost.StartAsync();
        host.Readiness = null!; // the ready delegate then gives null on every use

        using var ready = await host.Http.GetAsync(new Uri(OperationsEndpoints.ReadyPath, UriKind.Relative));
        using var again = await host.Http.GetAsync(new Uri(OperationsEndpoints.ReadyPath, UriKind.Relative));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(await ready.Content.ReadAsStringAsync(), Is.EqualTo("""{"status":"not ready"}"""));
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(
                host.Logs.GetSnapshot().Where(r => r.Level >= LogLevel.Warning).Select(r => (r.Category, r.Level, r.Message, r.Exception?.GetType())),
                Is.EqualTo(new[] { (ReadinessLog.Category, LogLevel.Error, "The readiness check failed: /health/ready answers 503.", typeof(ArgumentNullException)) }));
        }
    }

    [Test]
    public async Task Readiness_is_logged_when_it_changes_not_on_every_probe()
    {
        // Arrange
        await using var host = await OperationsHost.StartAsync();
        var ready = new ReadinessReport(true, new Dictionary<string, object?>
        {
            ["model_version"] = "20261206_120000",
            ["producer_ready"] = true,
            ["assigned_partitions"] = 2,
        });
        var revoked = new ReadinessReport(false, new Dictionary<string, object?>
        {
            ["model_version"] = "20261206_120000",
            ["producer_ready"] = true,
            ["assigned_partitions"] = 0,
        });

        // Act: three probes before it is ready, two while it is, two after it is not any more.
        foreach (var report in new[] { host.Readiness, host.Readiness, host.Readiness, ready, ready, revoked, revoked })
        {
            host.Readiness = report;
            using var answer = await host.Http.GetAsync(new Uri(OperationsEndpoints.ReadyPath, UriKind.Relative));
        }

        // Assert: one line for each change, and no probe logged as a failure (ASP.NET Core logs each unhealthy one as an error).
        var logged = host.Logs.GetSnapshot();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(
                logged.Where(r => r.Category == ReadinessLog.Category).Select(r => (r.Level, r.Message)),
                Is.EqualTo(new[]
                {
                    (LogLevel.Information, "Not ready yet (model_version=none): /health/ready answers 503 until it is."),
                    (LogLevel.Information, "Ready (model_version=20261206_120000, producer_ready=true, assigned_partitions=2): /health/ready answers 200."),
                    (LogLevel.Warning, "No longer ready (model_version=20261206_120000, producer_ready=true, assigned_partitions=0): /health/ready answers 503."),
                }));
            Assert.That(logged.Where(r => r.Level >= LogLevel.Error).Select(r => $"{r.Category}: {r.Message}"), Is.Empty);
        }
    }
}
