using System.Diagnostics.Metrics;
using System.Text;
using FraudStream.Telemetry.Tests.Support;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace FraudStream.Telemetry.Tests;

/// <summary>Scrape behaviour: collection on demand, concurrency, name clashes, sanitising, special values, lifetime.</summary>
[TestFixture]
public sealed class PrometheusScrapeHandlerTests
{
    private readonly List<IDisposable> _owned = [];

    [TearDown]
    public void TearDown()
    {
        // Providers before meters, in reverse order of creation.
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }

        _owned.Clear();
    }

    [Test]
    public void Content_type_is_text_format_0_0_4()
    {
        Assert.That(PrometheusScrapeHandler.ContentType, Is.EqualTo("text/plain; version=0.0.4; charset=utf-8"));
    }

    [Test]
    public async Task Counters_are_cumulative_across_scrapes()
    {
        var meter = NewMeter();
        var handler = NewProvider(meter);
        var counter = meter.CreateCounter<long>("fraudstream_alerts", description: "Alerts.");

        counter.Add(2);
        var first = await handler.ScrapeAsync();
        counter.Add(3);
        var second = await handler.ScrapeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(Lines(first), Does.Contain("fraudstream_alerts_total 2"));
            Assert.That(Lines(second), Does.Contain("fraudstream_alerts_total 5"));
        });
    }

    [Test]
    public async Task Concurrent_scrapes_each_return_a_whole_scrape()
    {
        using var scenario = new ScoringMetricsScenario();
        var expected = await scenario.Handler.ScrapeAsync();

        var scrapes = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => scenario.Handler.ScrapeAsync())));

        Assert.That(scrapes, Has.All.EqualTo(expected));
    }

    [Test]
    public async Task Same_name_from_two_meters_is_one_family_and_another_type_under_that_name_is_left_out()
    {
        var scorer = NewMeter();
        var model = NewMeter();
        var handler = NewProvider(scorer, model);
        scorer.CreateCounter<long>("fraudstream_refusals", description: "Refusals by the scorer.").Add(1, new KeyValuePair<string, object?>("by", "scorer"));
        model.CreateCounter<long>("fraudstream_refusals", description: "Refusals by the model loader.").Add(2, new KeyValuePair<string, object?>("by", "model"));
        model.CreateObservableGauge("fraudstream_refusals_total", () => 7, description: "Clashes with the counters' name.");

        var scrape = await handler.ScrapeAsync();

        Assert.That(
            scrape,
            Is.EqualTo(
                """
                # HELP fraudstream_refusals_total Refusals by the scorer.
                # TYPE fraudstream_refusals_total counter
                fraudstream_refusals_total{by="scorer"} 1
                fraudstream_refusals_total{by="model"} 2

                """.ReplaceLineEndings("\n")));
    }

    [Test]
    public async Task Same_series_from_two_meters_is_written_once()
    {
        var first = NewMeter();
        var second = NewMeter();
        var handler = NewProvider(first, second);
        first.CreateCounter<long>("fraudstream_restarts", description: "Restarts.").Add(1);
        second.CreateCounter<long>("fraudstream_restarts", description: "Restarts.").Add(4);

        var lines = Lines(await handler.ScrapeAsync());

        Assert.That(lines.Where(line => line.StartsWith("fraudstream_restarts_total ", StringComparison.Ordinal)), Is.EqualTo(new[] { "fraudstream_restarts_total 1" }));
    }

    [Test]
    public async Task Metric_and_label_names_are_sanitised_and_clashing_labels_joined()
    {
        var meter = NewMeter();
        var handler = NewProvider(meter);
        meter.CreateUpDownCounter<long>("fraudstream.kafka-lag/records", description: "Lag.")
            .Add(4, new("consumer.group", "scorer"), new("1st", "x"), new("a.b", "dot"), new("a_b", "underscore"));

        var lines = Lines(await handler.ScrapeAsync());

        Assert.That(lines, Does.Contain("""fraudstream_kafka_lag_records{_1st="x",a_b="dot;underscore",consumer_group="scorer"} 4"""));
    }

    [Test]
    public async Task Special_double_values_and_label_value_types_are_formatted_invariantly()
    {
        var meter = NewMeter();
        var handler = NewProvider(meter);
        meter.CreateObservableGauge(
            "fraudstream_special",
            () => new[]
            {
                new Measurement<double>(double.NaN, new KeyValuePair<string, object?>("case", "nan")),
                new Measurement<double>(double.PositiveInfinity, new KeyValuePair<string, object?>("case", "plus")),
                new Measurement<double>(double.NegativeInfinity, new KeyValuePair<string, object?>("case", "minus")),
                new Measurement<double>(-0.000125, new KeyValuePair<string, object?>("case", "small")),
                new Measurement<double>(1e21, new KeyValuePair<string, object?>("case", "large")),
                new Measurement<double>(2, new("case", "typed"), new("ratio", 0.5), new("sampled", true)),
            },
            description: "Special values.");

        var lines = Lines(await handler.ScrapeAsync());

        Assert.That(lines, Is.SupersetOf(new[]
        {
            """fraudstream_special{case="nan"} NaN""",
            """fraudstream_special{case="plus"} +Inf""",
            """fraudstream_special{case="minus"} -Inf""",
            """fraudstream_special{case="small"} -0.000125""",
            """fraudstream_special{case="large"} 1E+21""",
            """fraudstream_special{case="typed",ratio="0.5",sampled="true"} 2""",
        }));
    }

    [Test]
    public async Task Histogram_without_buckets_still_has_an_inf_bucket()
    {
        var meter = NewMeter();
        var handler = NewProvider(meter, configure: builder => builder.AddView("fraudstream_batch_size", new ExplicitBucketHistogramConfiguration { Boundaries = [] }));
        var histogram = meter.CreateHistogram<long>("fraudstream_batch_size", description: "Records per batch.");
        histogram.Record(10);
        histogram.Record(30);

        var scrape = await handler.ScrapeAsync();

        Assert.That(
            scrape,
            Is.EqualTo(
                """
                # HELP fraudstream_batch_size Records per batch.
                # TYPE fraudstream_batch_size histogram
                fraudstream_batch_size_bucket{le="+Inf"} 2
                fraudstream_batch_size_sum 40
                fraudstream_batch_size_count 2

                """.ReplaceLineEndings("\n")));
    }

    [Test]
    public async Task Instrument_without_description_has_no_help_line_and_an_unused_gauge_no_family()
    {
        var meter = NewMeter();
        var handler = NewProvider(meter);
        meter.CreateCounter<long>("fraudstream_undocumented").Add(1);
        meter.CreateObservableGauge("fraudstream_silent", () => Array.Empty<Measurement<long>>(), description: "Reports nothing.");

        var scrape = await handler.ScrapeAsync();

        Assert.That(scrape, Is.EqualTo("# TYPE fraudstream_undocumented_total counter\nfraudstream_undocumented_total 1\n"));
    }

    [Test]
    public async Task Nothing_recorded_scrapes_as_empty_text()
    {
        var handler = NewProvider(NewMeter());

        Assert.That(await handler.ScrapeAsync(), Is.Empty);
    }

    [Test]
    public async Task WriteTo_writes_the_scrape_as_utf8_without_bom()
    {
        var meter = NewMeter();
        var handler = NewProvider(meter);
        meter.CreateCounter<long>("fraudstream_euros", description: "Amount in €.").Add(1, new KeyValuePair<string, object?>("currency", "€"));
        var expected = await handler.ScrapeAsync();

        using var body = new MemoryStream();
        await handler.WriteToAsync(body);

        Assert.That(body.ToArray(), Is.EqualTo(new UTF8Encoding(false).GetBytes(expected)));
    }

    [Test]
    public void Scraping_after_the_provider_is_disposed_fails_clearly()
    {
        var meter = NewMeter();
        var provider = Sdk.CreateMeterProviderBuilder().AddMeter(meter.Name).AddPrometheusText(out var handler).Build();
        provider.Dispose();

        var failure = Assert.ThrowsAsync<InvalidOperationException>(() => handler.ScrapeAsync());
        Assert.That(failure!.Message, Does.Contain("disposing"));
    }

    [Test]
    public void Scraping_before_the_provider_is_built_fails_clearly()
    {
        Sdk.CreateMeterProviderBuilder().AddPrometheusText(out var handler);

        var failure = Assert.ThrowsAsync<InvalidOperationException>(() => handler.ScrapeAsync());
        Assert.That(failure!.Message, Does.Contain("build the MeterProvider"));
    }

    private static string[] Lines(string scrape) => scrape.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private Meter NewMeter()
    {
        var meter = new Meter($"FraudStream.Telemetry.Tests.{Guid.NewGuid():N}");
        _owned.Add(meter);
        return meter;
    }

    private PrometheusScrapeHandler NewProvider(Meter meter, Meter? second = null, Action<MeterProviderBuilder>? configure = null)
    {
        var builder = Sdk.CreateMeterProviderBuilder().AddMeter(meter.Name);
        if (second is not null)
        {
            builder.AddMeter(second.Name);
        }

        configure?.Invoke(builder);
        _owned.Add(builder.AddPrometheusText(out var handler).Build());
        return handler;
    }
}
