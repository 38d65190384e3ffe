namespace FraudStream.Deploy.Tests;

/// <summary>The exported-metric scan the dashboard and alert checks rely on.</summary>
public class ExportedMetricsTests
{
    [Test]
    public void The_scan_of_src_finds_the_scorer_api_and_model_instruments_with_their_export_suffixes()
    {
        var exported = ExportedMetrics.All;

        Assert.That(exported, Is.SupersetOf(new[]
        {
            "fraudstream_records_consumed_total",
            "fraudstream_records_dead_lettered_total",
            "fraudstream_end_to_end_latency_seconds_bucket",
            "fraudstream_end_to_end_latency_seconds_sum",
            "fraudstream_end_to_end_latency_seconds_count",
            "fraudstream_consumer_lag_records",
            "fraudstream_model_info",
            "fraudstream_model_loaded",
            "fraudstream_api_requests_total",
        }));
        Assert.That(exported, Has.None.EqualTo("fraudstream_records_consumed"), "a counter is exported with _total only");
        Assert.That(exported, Has.None.EqualTo("fraudstream_end_to_end_latency_seconds"), "a histogram is exported as _bucket/_sum/_count");
    }

    [Test]
    public void Instruments_are_found_whatever_the_layout_of_the_call()
    {
        const string code = """
            _a = _meter.CreateCounter<long>("x_requests", description: "d");
            _b = _meter.CreateHistogram<double>(
                "x_duration_seconds",
                description: "d");
            _meter.CreateObservableGauge(
                "x_lag", () => 1);
            _meter.CreateUpDownCounter<int>("x_in_flight");
            """;

        Assert.That(
            ExportedMetrics.FromCode(code),
            Is.EquivalentTo(new[] { "x_requests_total", "x_duration_seconds_bucket", "x_duration_seconds_sum", "x_duration_seconds_count", "x_lag", "x_in_flight" }));
    }

    [Test]
    public void Every_instrument_with_a_unit_already_ends_with_the_suffix_the_exporter_would_append()
    {
        // OpenTelemetry's Prometheus exporter appends _bytes, _seconds... to a name that lacks its unit's suffix:
        // the names above (and the dashboards') hold only while every unit is already in its instrument's name.
        var units = ExportedMetrics.UnitsInSource();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(units, Has.Count.GreaterThanOrEqualTo(4), "the scan finds the scorer's byte and second instruments");
            foreach (var (name, unit) in units)
            {
                var suffix = ExportedMetrics.UnitSuffix(unit);
                Assert.That(suffix, Is.Not.Null, $"{name}: unit '{unit}' is unknown to this check; learn its Prometheus suffix first");
                Assert.That(name, Does.EndWith(suffix ?? string.Empty), $"{name} (unit {unit}) would be exported as {name}{suffix}");
            }
        }
    }

    [Test]
    public void The_unit_scan_reads_units_wherever_they_stand_in_the_call()
    {
        const string code = """
            _a = _meter.CreateCounter<long>("x_read_bytes", unit: "By", description: "d");
            _meter.CreateObservableGauge("x_held", () => read().Bytes, unit: "By", description: "d");
            _b = _meter.CreateHistogram<double>("x_duration_seconds", description: "d");
            """;

        Assert.That(ExportedMetrics.UnitsIn(code), Is.EqualTo(new[] { ("x_read_bytes", "By"), ("x_held", "By") }));
    }

    [Test]
    public void A_query_naming_a_metric_the_code_does_not_export_is_reported()
    {
        var exported = new HashSet<string>(StringComparer.Ordinal) { "fraudstream_alerts_total" };

        var unknown = ExportedMetrics.Unknown(
            [("panel A", "sum(rate(fraudstream_alerts_total[1m])) / sum(rate(fraudstream_alerts[1m]))")],
            exported);

        Assert.That(unknown, Is.EqualTo(new[] { "fraudstream_alerts (in panel A)" }));
    }
}
