using System.Net;
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
    public async Task A_readiness_that_throws_is_not_ready()
    {
        await using var host = await OperationsHost.StartAsync();
        host.Readiness = null!; // the ready delegate then throws on its first use

        using var ready = await host.Http.GetAsync(new Uri(OperationsEndpoints.ReadyPath, UriKind.Relative));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(await ready.Content.ReadAsStringAsync(), Is.EqualTo("""{"status":"not ready"}"""));
        }
    }
}
