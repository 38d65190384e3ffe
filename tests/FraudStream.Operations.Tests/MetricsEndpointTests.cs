using System.Net.Http.Headers;
using FraudStream.Operations.Tests.Support;

namespace FraudStream.Operations.Tests;

/// <summary>/metrics through OpenTelemetry's Prometheus exporter, as FraudStream configures it: today's names, text 0.0.4, promtool clean.</summary>
[TestFixture]
public sealed class MetricsEndpointTests
{
    /// <summary>What Prometheus 2.53 sends by default: OpenMetrics first.</summary>
    private const string PrometheusAccept =
        "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.1";

    [Test]
    public async Task The_stored_names_are_the_instrument_names_with_total_for_counters_and_nothing_else()
    {
        await using var host = await OperationsHost.StartAsync();
        host.RecordOneOfEach();

        var scrape = await host.Http.GetStringAsync(new Uri(OperationsEndpoints.MetricsPath, UriKind.Relative));
        var names = PrometheusTextReader.Read(scrape).Select(s => s.Name).Distinct().Order(StringComparer.Ordinal);
        var labelNames = PrometheusTextReader.Read(scrape).SelectMany(s => s.Labels.Keys).Distinct().Order(StringComparer.Ordinal);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(names, Is.EqualTo(OperationsHost.ExpectedNames), scrape);
            Assert.That(labelNames, Is.EqualTo(new[] { "le", "partition", "topic" }), "no otel_scope_* label: " + scrape);
            Assert.That(scrape, Does.Contain("fraudstream_records_scored_total{topic=\"in\"} 5\n"));
            Assert.That(scrape, Does.Contain("fraudstream_consumer_lag_records{partition=\"1\",topic=\"in\"} 0\n"));
            Assert.That(scrape, Does.Contain("fraudstream_history_restore_seconds_bucket{le=\"1\"} 1\n"));
        }
    }

    [Test]
    public async Task A_scrape_that_asks_for_OpenMetrics_gets_text_0_0_4_and_promtool_finds_nothing()
    {
        await using var host = await OperationsHost.StartAsync();
        host.RecordOneOfEach();
        using var request = new HttpRequestMessage(HttpMethod.Get, OperationsEndpoints.MetricsPath);
        request.Headers.Accept.ParseAdd(PrometheusAccept);

        using var response = await host.Http.SendAsync(request);
        var scrape = await response.Content.ReadAsStringAsync();
        var lint = await Promtool.CheckMetricsAsync(scrape);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.Content.Headers.ContentType?.ToString(), Is.EqualTo(OperationsEndpoints.MetricsContentType));
            Assert.That(scrape, Does.Not.Contain("# EOF").And.Not.Contain("_created").And.Not.Contain("le=\"1.0\""));
            Assert.That(lint.ExitCode, Is.Zero, lint.Output + "\n" + scrape);
            Assert.That(lint.Output, Is.Empty, scrape);
        }
    }

    [Test]
    public async Task Each_scrape_collects_anew()
    {
        await using var host = await OperationsHost.StartAsync();
        var counter = host.Meter.CreateCounter<long>("fraudstream_alerts");
        counter.Add(1);
        var first = await host.Http.GetStringAsync(new Uri(OperationsEndpoints.MetricsPath, UriKind.Relative));

        counter.Add(1);
        var second = await host.Http.GetStringAsync(new Uri(OperationsEndpoints.MetricsPath, UriKind.Relative));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Value(first, "fraudstream_alerts_total"), Is.EqualTo(1));
            Assert.That(Value(second, "fraudstream_alerts_total"), Is.EqualTo(2), "the second scrape is not the first one's cached answer");
        }
    }

    [Test]
    public async Task A_series_without_labels_is_written_with_empty_braces_which_promtool_and_the_reader_take()
    {
        // The exporter writes name{} value where FraudStream's own serializer wrote name value: the same series to Prometheus.
        await using var host = await OperationsHost.StartAsync();
        host.Meter.CreateCounter<long>("fraudstream_alerts", description: "Alerts.").Add(3);

        var scrape = await host.Http.GetStringAsync(new Uri(OperationsEndpoints.MetricsPath, UriKind.Relative));
        var lint = await Promtool.CheckMetricsAsync(scrape);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(scrape, Does.Contain("fraudstream_alerts_total{} 3\n"));
            Assert.That(lint.ExitCode, Is.Zero, lint.Output);
            Assert.That(PrometheusTextReader.Read(scrape).Single(), Has.Property(nameof(PrometheusSample.Labels)).Empty.And.Property(nameof(PrometheusSample.Value)).EqualTo(3));
        }
    }

    [Test]
    public async Task The_answer_has_no_target_info()
    {
        await using var host = await OperationsHost.StartAsync();
        host.RecordOneOfEach();
        using var request = new HttpRequestMessage(HttpMethod.Get, OperationsEndpoints.MetricsPath);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));

        var scrape = await (await host.Http.SendAsync(request)).Content.ReadAsStringAsync();

        Assert.That(scrape, Does.Not.Contain("target_info").And.Not.Contain(OperationsHost.ServiceName));
    }

    private static double Value(string scrape, string name) => PrometheusTextReader.Read(scrape).Single(s => s.Name == name).Value;
}
