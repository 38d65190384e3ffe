using System.Text.Json;
using System.Text.Json.Nodes;

namespace FraudStream.Deploy.Tests;

/// <summary>deploy/grafana: the provisioned dashboard and its datasource.</summary>
public class GrafanaTests
{
    private const string Dashboard = "deploy/grafana/dashboards/fraudstream.json";

    private static JsonObject LoadDashboard()
    {
        try
        {
            return JsonNode.Parse(Repo.ReadText(Dashboard))!.AsObject();
        }
        catch (JsonException e)
        {
            Assert.Fail($"{Dashboard} is not valid JSON: {e.Message}");
            throw;
        }
    }

    /// <summary>Every panel, rows' nested panels included.</summary>
    private static List<JsonNode> Panels(JsonObject dashboard) =>
        [.. dashboard["panels"].Items().SelectMany(p => new[] { p }.Concat(p["panels"].Items()))];

    private static List<(string Where, string Expression)> Queries(JsonObject dashboard) =>
        [.. Panels(dashboard).SelectMany(p => p["targets"].Items().Select(t => ($"panel '{p["title"].Str()}'", t["expr"].Str() ?? "")))];

    [Test]
    public void The_dashboard_parses_and_every_metric_it_queries_is_one_the_code_exports()
    {
        var dashboard = LoadDashboard();
        var queries = Queries(dashboard);

        Assert.That(queries, Is.Not.Empty, "the dashboard has no queries");
        var unknown = ExportedMetrics.Unknown(queries, ExportedMetrics.All);
        Assert.That(unknown, Is.Empty, "metrics the code does not export: " + string.Join(", ", unknown));
    }

    [Test]
    public void The_dashboard_shows_throughput_latency_alerts_DLQ_by_reason_lag_and_model_version()
    {
        var expressions = Queries(LoadDashboard()).Select(q => q.Expression).ToList();

        Assert.That(expressions, Has.Some.Contains("rate(fraudstream_records_scored_total"), "throughput");
        Assert.That(expressions, Has.Some.Match(@"histogram_quantile\(.*fraudstream_end_to_end_latency_seconds_bucket"), "end-to-end latency");
        Assert.That(expressions, Has.Some.Contains("rate(fraudstream_alerts_total"), "alerts/s");
        Assert.That(expressions, Has.Some.Match(@"by \(reason\) \(rate\(fraudstream_records_dead_lettered_total"), "DLQ by reason");
        Assert.That(expressions, Has.Some.Contains("fraudstream_consumer_lag_records"), "lag");
        Assert.That(expressions, Has.Some.Match(@"by \([^)]*\bversion\b[^)]*\) \(fraudstream_model_info\)"), "model version");
    }

    [Test]
    public void The_dashboard_shows_feature_and_score_drift_per_model_version()
    {
        var expressions = Queries(LoadDashboard()).Select(q => q.Expression).ToList();

        Assert.That(expressions, Has.Some.Match(@"by \(model_version, feature\) \(fraudstream_feature_psi\)"), "feature PSI");
        Assert.That(expressions, Has.Some.Match(@"by \(model_version\) \(fraudstream_score_psi\)"), "score PSI");
        Assert.That(expressions, Has.Some.Contains("fraudstream_drift_rows"), "rows in the window");
    }

    [Test]
    public void Panels_have_unique_ids_and_use_the_dashboard_datasource_variable()
    {
        var dashboard = LoadDashboard();
        var panels = Panels(dashboard);

        Assert.That(dashboard["uid"].Str(), Is.Not.Null.And.Not.Empty);
        Assert.That(panels.Select(p => p["id"].Str()), Is.Unique);
        Assert.That(dashboard["templating"]?["list"].Items().Select(v => v["name"].Str()), Does.Contain("datasource"));
        foreach (var panel in panels.Where(p => p["type"].Str() != "row"))
        {
            Assert.That(panel["gridPos"], Is.Not.Null, $"panel '{panel["title"].Str()}' has no gridPos");
            Assert.That(panel["datasource"]?["uid"].Str(), Is.EqualTo("${datasource}"), $"panel '{panel["title"].Str()}'");
            foreach (var target in panel["targets"].Items())
            {
                Assert.That(target["datasource"]?["uid"].Str(), Is.EqualTo("${datasource}"), $"panel '{panel["title"].Str()}'");
            }
        }
    }

    [Test]
    public void Provisioning_loads_the_dashboard_folder_compose_mounts_and_a_prometheus_datasource()
    {
        var datasources = Yaml.Load("deploy/grafana/provisioning/datasources/prometheus.yaml")["datasources"].Items().ToList();
        Assert.That(datasources.Select(d => d["type"].Str()), Does.Contain("prometheus"));
        Assert.That(datasources.Select(d => d["url"].Str()), Does.Contain("http://prometheus:9090"));

        var provider = Yaml.Load("deploy/grafana/provisioning/dashboards/fraudstream.yaml")["providers"].Items().Single();
        var path = provider["options"]?["path"].Str();
        var grafanaMounts = Yaml.Load("compose.yaml")["services"]?["grafana"]?["volumes"].Items().Select(v => v.Str()!).ToList();
        Assert.That(grafanaMounts, Does.Contain($"./deploy/grafana/dashboards:{path}:ro"), "compose must mount the dashboards where the provider looks");
        Assert.That(grafanaMounts, Does.Contain("./deploy/grafana/provisioning:/etc/grafana/provisioning:ro"));
    }
}
