using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FraudStream.Deploy.Tests;

/// <summary>compose.yaml: the whole stack for a machine with Docker, checked without Docker.</summary>
public partial class ComposeTests
{
    private const string ComposeFile = "compose.yaml";

    // Parsed once (through a python3 process), read by every test.
    private static readonly Lazy<JsonObject> s_compose = new(() => Yaml.Load(ComposeFile));

    private static JsonObject Compose => s_compose.Value;

    private static JsonObject Services
    {
        get
        {
            var services = Compose["services"] as JsonObject;
            Assert.That(services, Is.Not.Null, "compose.yaml has no services mapping.");
            return services!;
        }
    }

    [GeneratedRegex(@"^s3://(?<bucket>[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])(/|$)")]
    private static partial Regex S3Location();

    [GeneratedRegex(@":(?<port>\d+)/?$")]
    private static partial Regex UrlPort();

    private static JsonObject Env(JsonNode service) => service["environment"] as JsonObject ?? [];

    private static List<string> Command(JsonNode service) => [.. service["command"].Items().Select(c => c.Str()!)];

    /// <summary>Services that run `fraudstream score`.</summary>
    private static List<KeyValuePair<string, JsonNode?>> Scorers() =>
        [.. Services.Where(s => s.Value is not null && Command(s.Value).FirstOrDefault() == "score")];

    [Test]
    public void Compose_defines_the_whole_stack()
    {
        // Kafka and its one-shot topic creation, the infrastructure, the fraudstream verbs that run as services
        // (score, api, train; loadgen and alerts as on-demand tools) and the monitoring.
        string[] required =
        [
            "kafka", "kafka-init", "schema-registry", "minio", "minio-init",
            "trainer", "api", "loadgen", "alerts", "prometheus", "grafana",
        ];

        Assert.That(Services.Select(s => s.Key), Is.SupersetOf(required));
        Assert.That(Scorers(), Has.Count.GreaterThanOrEqualTo(2), "at least two scorer services (`command: [score]`)");
    }

    [Test]
    public void Kafka_is_a_single_KRaft_node_set_up_for_transactions()
    {
        var env = Env(Services["kafka"]!);

        Assert.That(env["KAFKA_PROCESS_ROLES"].Str(), Does.Contain("broker").And.Contain("controller"), "KRaft combined mode");
        Assert.That(env.Select(e => e.Key), Has.None.StartsWith("KAFKA_ZOOKEEPER"), "no ZooKeeper");
        foreach (var key in new[] { "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR" })
        {
            Assert.That(env[key].Str(), Is.EqualTo("1"), $"{key} must be 1 on a single broker");
        }

        // The README's `docker compose up -d kafka` + FRAUDSTREAM_KAFKA_BOOTSTRAP=localhost:9092 make test.
        Assert.That(env["KAFKA_ADVERTISED_LISTENERS"].Str(), Does.Contain("localhost:9092"));
        Assert.That(Services["kafka"]!["ports"].Items().Select(p => p.Str()), Does.Contain("9092:9092"));
    }

    [Test]
    public void Each_scorer_has_its_own_stable_transactional_id_and_every_setting_it_needs()
    {
        var ids = new List<string>();
        foreach (var (name, service) in Scorers())
        {
            var env = Env(service!);
            var id = env["FRAUDSTREAM_Scorer__TransactionalId"].Str();
            Assert.That(id, Is.Not.Null.And.Not.Empty, $"{name}: FRAUDSTREAM_Scorer__TransactionalId");
            Assert.That(id, Does.Not.Contain("${"), $"{name}: the transactional id must be fixed, not interpolated");
            ids.Add(id!);
            Assert.That(service!["deploy"]?["replicas"]?.Str() ?? "1", Is.EqualTo("1"), $"{name}: replicas of one service would share a transactional id");
            Assert.That(env["FRAUDSTREAM_Scorer__BootstrapServers"].Str(), Does.StartWith("kafka:"), $"{name}: Kafka from inside the network");
            Assert.That(env["FRAUDSTREAM_SchemaRegistry__Url"].Str(), Does.StartWith("http://schema-registry:"), name);
            Assert.That(env["FRAUDSTREAM_Management__Url"].Str(), Is.Not.Null, name);
            Assert.That(env["FRAUDSTREAM_REGISTRY"].Str(), Does.StartWith("s3://"), name);
            Assert.That(env["AWS_ENDPOINT_URL_S3"].Str(), Does.StartWith("http://minio:"), name);
        }

        Assert.That(ids, Is.Unique, "scorers' transactional ids");
    }

    [Test]
    public void Each_scorers_stop_grace_period_outlasts_its_shutdown_budget_and_the_hosts_margin()
    {
        foreach (var (name, scorer) in Scorers())
        {
            var budget = ShutdownBudget.Of(Env(scorer!)["FRAUDSTREAM_Scorer__ShutdownTimeout"].Str());
            var grace = scorer!["stop_grace_period"].Str();
            Assert.That(grace, Does.Match("^[0-9]+s$"), name);
            Assert.That(TimeSpan.FromSeconds(int.Parse(grace!.TrimEnd('s'), CultureInfo.InvariantCulture)), Is.GreaterThan(budget + ShutdownBudget.HostMargin), name);
        }
    }

    [Test]
    public void The_api_has_a_key_and_the_trainer_is_a_one_shot_train()
    {
        var api = Services["api"]!;
        Assert.That(Command(api).FirstOrDefault(), Is.EqualTo("api"));
        var apiEnv = Env(api);
        Assert.That(apiEnv.ContainsKey("FRAUDSTREAM_Api__Keys__0") || apiEnv.ContainsKey("FRAUDSTREAM_Api__KeysFile"), Is.True, "the api refuses to start without a key");
        Assert.That(apiEnv["FRAUDSTREAM_Api__Url"].Str(), Is.Not.Null);

        var trainer = Services["trainer"]!;
        Assert.That(trainer["restart"].Str() ?? "no", Is.EqualTo("no"), "the trainer runs once");
        Assert.That(string.Join(' ', Command(trainer)), Does.Contain("train --data"), "the first model, while nothing is in production");
        Assert.That(Env(trainer)["FRAUDSTREAM_REGISTRY"].Str(), Does.StartWith("s3://"));
    }

    [Test]
    public void A_later_trainer_run_retrains_from_the_topics_reading_drift_from_the_scorers()
    {
        var trainer = Services["trainer"]!;
        var script = string.Join(' ', Command(trainer));

        Assert.That(script, Does.Contain("retrain --once"));
        Assert.That(Env(trainer)["FRAUDSTREAM_KAFKA_BOOTSTRAP"].Str(), Does.StartWith("kafka:"), "Kafka from inside the network");
        Assert.That(script, Does.Contain("--schema-registry-url http://schema-registry:"), "the scorers' schemas");
        var urls = MetricsUrl().Matches(script).Select(m => (Host: m.Groups["host"].Value, Port: m.Groups["port"].Value)).ToList();
        Assert.That(urls.Select(u => u.Host), Is.EquivalentTo(Scorers().Select(s => s.Key)), "drift is read from every scorer");
        foreach (var (host, port) in urls)
        {
            var management = UrlPort().Match(Env(Services[host]!)["FRAUDSTREAM_Management__Url"].Str() ?? "").Groups["port"].Value;
            Assert.That(port, Is.EqualTo(management), $"{host} serves /metrics on {management}");
        }
    }

    [Test]
    public void A_later_trainer_run_judges_the_challenger_on_the_scorers_live_scores_before_it_retrains()
    {
        var script = string.Join(' ', Command(Services["trainer"]!));
        var topics = string.Join(' ', Command(Services["kafka-init"]!));

        Assert.That(script.IndexOf("models promote-challenger", StringComparison.Ordinal), Is.InRange(0, script.IndexOf("retrain --once", StringComparison.Ordinal)), "judged first");
        foreach (var (name, scorer) in Scorers())
        {
            Assert.That(Env(scorer!)["FRAUDSTREAM_Scorer__ScoredTopic"].Str(), Is.EqualTo("transactions_scored"), name);
            Assert.That(Env(scorer!)["FRAUDSTREAM_Scorer__ShadowTopic"].Str(), Is.EqualTo("transactions_shadow"), name);
        }

        Assert.That(topics, Does.Contain("transactions_scored:").And.Contain("transactions_shadow:"), "kafka-init creates both");
    }

    [GeneratedRegex(@"--metrics-url http://(?<host>[a-z0-9-]+):(?<port>\d+)/metrics")]
    private static partial Regex MetricsUrl();

    [Test]
    public void The_registry_bucket_is_the_one_minio_init_creates()
    {
        var init = string.Join('\n', Command(Services["minio-init"]!));
        var locations = Services
            .Where(s => s.Value is not null)
            .Select(s => (s.Key, Location: Env(s.Value!)["FRAUDSTREAM_REGISTRY"].Str()))
            .Where(s => s.Location is not null)
            .ToList();

        Assert.That(locations, Is.Not.Empty);
        foreach (var (name, location) in locations)
        {
            var match = S3Location().Match(location!);
            Assert.That(match.Success, Is.True, $"{name}: FRAUDSTREAM_REGISTRY '{location}' is not s3://bucket/prefix");
            Assert.That(init, Does.Match($@"mc mb\b.*\blocal/{Regex.Escape(match.Groups["bucket"].Value)}\b"), $"{name}: minio-init must create bucket {match.Groups["bucket"].Value}");
        }
    }

    [Test]
    public void FraudStream_services_build_the_image_from_the_Dockerfile_in_deploy()
    {
        string[] fraudstream = [.. Scorers().Select(s => s.Key), "api", "trainer", "loadgen", "alerts"];
        foreach (var name in fraudstream)
        {
            var build = Services[name]!["build"];
            Assert.That(build, Is.Not.Null, $"{name} has no build section");
            Assert.That(build!["context"].Str(), Is.EqualTo("."), $"{name}: the context is the repository root");
            var dockerfile = build["dockerfile"].Str();
            Assert.That(dockerfile, Is.EqualTo("deploy/docker/Dockerfile"), name);
            Assert.That(File.Exists(Repo.PathOf(dockerfile!)), Is.True, $"{name}: {dockerfile} does not exist");
        }
    }

    [Test]
    public void Every_bind_mount_and_dependency_exists()
    {
        var names = Services.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, service) in Services)
        {
            foreach (var volume in service!["volumes"].Items().Select(v => v.Str()!))
            {
                var source = volume.Split(':')[0];
                if (source.StartsWith("./", StringComparison.Ordinal))
                {
                    Assert.That(File.Exists(Repo.PathOf(source[2..])) || Directory.Exists(Repo.PathOf(source[2..])), Is.True, $"{name}: {source} does not exist");
                }
                else
                {
                    Assert.That(Compose["volumes"]?.AsObject().ContainsKey(source), Is.True, $"{name}: named volume {source} is not declared");
                }
            }

            var dependsOn = service["depends_on"] switch
            {
                JsonArray list => list.Select(d => d.Str()!),
                JsonObject map => map.Select(d => d.Key),
                _ => [],
            };
            foreach (var dependency in dependsOn)
            {
                Assert.That(names, Does.Contain(dependency), $"{name} depends on an unknown service {dependency}");
            }
        }
    }

    [Test]
    public void Prometheus_scrapes_every_scorer_and_the_api_on_their_metrics_ports()
    {
        var prometheus = Yaml.Load("deploy/prometheus/prometheus.yml");
        var targets = prometheus["scrape_configs"].Items()
            .SelectMany(job => job["static_configs"].Items())
            .SelectMany(config => config["targets"].Items().Select(t => t.Str()!))
            .Where(t => !t.StartsWith("localhost:", StringComparison.Ordinal))
            .ToList();

        foreach (var target in targets)
        {
            var (host, port) = (target.Split(':')[0], target.Split(':')[1]);
            Assert.That(Services.ContainsKey(host), Is.True, $"prometheus.yml scrapes {target}, but compose.yaml has no service {host}");
            var ports = Env(Services[host]!)
                .Where(e => e.Key is "FRAUDSTREAM_Management__Url" or "FRAUDSTREAM_Api__Url")
                .Select(e => UrlPort().Match(e.Value.Str() ?? "").Groups["port"].Value);
            Assert.That(ports, Does.Contain(port), $"{target}: {host} does not listen for /metrics on port {port}");
        }

        string[] scraped = [.. Scorers().Select(s => s.Key), "api"];
        Assert.That(targets.Select(t => t.Split(':')[0]), Is.SupersetOf(scraped));

        var mounts = Services["prometheus"]!["volumes"].Items().Select(v => v.Str()!).ToList();
        Assert.That(mounts, Does.Contain("./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro"));
        Assert.That(mounts, Does.Contain("./deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro"));
    }
}
