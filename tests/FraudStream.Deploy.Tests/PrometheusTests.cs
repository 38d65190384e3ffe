using System.Globalization;

namespace FraudStream.Deploy.Tests;

/// <summary>deploy/prometheus: the scrape config and the alerting rules.</summary>
public class PrometheusTests
{
    private const string Rules = "deploy/prometheus/alerts.yml";
    private const string Config = "deploy/prometheus/prometheus.yml";

    [Test]
    public void The_alerting_rules_pass_promtool_check_rules()
    {
        var result = Tool.Run(Tool.Promtool(), ["check", "rules", Repo.PathOf(Rules)]);

        Assert.That(result.ExitCode, Is.Zero, $"promtool check rules {Rules}:\n{result.Stdout}{result.Stderr}");
    }

    [Test]
    public void The_alerting_rules_pass_their_promtool_unit_tests()
    {
        const string tests = "deploy/prometheus/alerts.test.yml";
        var result = Tool.Run(Tool.Promtool(), ["test", "rules", Repo.PathOf(tests)]);

        Assert.That(result.ExitCode, Is.Zero, $"promtool test rules {tests}:\n{result.Stdout}{result.Stderr}");
    }

    [Test]
    public void The_scrape_config_passes_promtool_check_config_with_its_rule_files()
    {
        var result = Tool.Run(Tool.Promtool(), ["check", "config", Repo.PathOf(Config)]);

        Assert.That(result.ExitCode, Is.Zero, $"promtool check config {Config}:\n{result.Stdout}{result.Stderr}");
        Assert.That(result.Stdout + result.Stderr, Does.Contain("1 rule files found"), "prometheus.yml should load alerts.yml");
    }

    [Test]
    public void Every_metric_an_alert_queries_is_one_the_code_exports()
    {
        var unknown = ExportedMetrics.Unknown(AlertExpressions(), ExportedMetrics.All);

        Assert.That(unknown, Is.Empty, "metrics the code does not export: " + string.Join(", ", unknown));
    }

    [Test]
    public void The_rules_alert_on_growing_lag_DLQ_rate_no_model_and_end_to_end_p99()
    {
        var expressions = AlertExpressions().Select(e => e.Expression).ToList();

        Assert.That(expressions, Has.Some.Contains("fraudstream_consumer_lag_records").And.Match(@"\b(delta|deriv|increase)\("), "lag growing");
        Assert.That(expressions, Has.Some.Contains("rate(fraudstream_records_dead_lettered_total"), "DLQ rate");
        Assert.That(expressions, Has.Some.Match(@"fraudstream_model_loaded\s*==\s*0"), "no model loaded");
        Assert.That(expressions, Has.Some.Match(@"histogram_quantile\(\s*0\.99\s*,.*fraudstream_end_to_end_latency_seconds_bucket"), "e2e latency p99 over budget");
    }

    [Test]
    public void The_rules_warn_on_sustained_feature_and_score_drift_of_the_model_in_production()
    {
        var rules = Yaml.Load(Rules)["groups"].Items().SelectMany(group => group["rules"].Items()).ToList();

        foreach (var (metric, alert) in new[] { ("fraudstream_feature_psi", "FraudStreamFeatureDrift"), ("fraudstream_score_psi", "FraudStreamScoreDrift") })
        {
            var rule = rules.SingleOrDefault(r => r["alert"].Str() == alert);
            Assert.That(rule, Is.Not.Null, alert);
            Assert.That(rule!["expr"].Str(), Does.Contain(metric).And.Contain("fraudstream_model_info"), $"{alert}: the PSI of the version in production");
            Assert.That(TimeSpan.FromMinutes(int.Parse(rule["for"].Str()!.TrimEnd('m'), CultureInfo.InvariantCulture)), Is.GreaterThanOrEqualTo(TimeSpan.FromMinutes(30)), $"{alert}: sustained, not a spike");
            Assert.That(rule["labels"]?["severity"].Str(), Is.EqualTo("warning"), $"{alert}: drift is no outage");
        }
    }

    private static List<(string Where, string Expression)> AlertExpressions()
    {
        var rules = Yaml.Load(Rules)["groups"].Items()
            .SelectMany(group => group["rules"].Items())
            .Select(rule => ($"{Rules} {rule["alert"].Str() ?? rule["record"].Str()}", rule["expr"].Str() ?? ""))
            .ToList();
        Assert.That(rules, Is.Not.Empty, $"{Rules} has no rules");
        return rules;
    }
}
