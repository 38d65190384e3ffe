using System.Text.Json.Nodes;

namespace FraudStream.Deploy.Tests;

/// <summary>deploy/k8s: the manifests parse and fit together.</summary>
public class KubernetesTests
{
    private const string Folder = "deploy/k8s";

    private static List<(string File, JsonNode Doc)> Manifests()
    {
        var files = Directory.EnumerateFiles(Repo.PathOf(Folder), "*.yaml").Order(StringComparer.Ordinal).ToList();
        Assert.That(files, Is.Not.Empty, $"no manifests in {Folder}");
        return [.. files.SelectMany(f =>
        {
            var relative = Path.GetRelativePath(Repo.Root, f).Replace('\\', '/');
            return Yaml.LoadAll(relative).Select(doc => (relative, doc));
        })];
    }

    private static List<JsonNode> OfKind(string kind) =>
        [.. Manifests().Where(m => m.Doc["kind"].Str() == kind && !m.File.EndsWith(".example.yaml", StringComparison.Ordinal)).Select(m => m.Doc)];

    private static JsonNode Scorer() => OfKind("StatefulSet").Single();

    private static IEnumerable<JsonNode> Containers(JsonNode podSpec) => podSpec["containers"].Items();

    [Test]
    public void Every_manifest_parses_and_names_its_kind()
    {
        var manifests = Manifests();

        foreach (var (file, doc) in manifests)
        {
            Assert.That(doc["apiVersion"].Str(), Is.Not.Null.And.Not.Empty, $"{file}: apiVersion");
            Assert.That(doc["kind"].Str(), Is.Not.Null.And.Not.Empty, $"{file}: kind");
            if (doc["kind"].Str() != "Kustomization")
            {
                Assert.That(doc["metadata"]?["name"].Str(), Is.Not.Null.And.Not.Empty, $"{file}: metadata.name");
            }
        }

        Assert.That(
            manifests.Select(m => m.Doc["kind"].Str()),
            Is.SupersetOf(new[] { "StatefulSet", "Deployment", "Service", "CronJob", "HorizontalPodAutoscaler" }));
    }

    [Test]
    public void The_kustomization_lists_existing_files()
    {
        var kustomization = Yaml.Load($"{Folder}/kustomization.yaml");
        var resources = kustomization["resources"].Items().Select(r => r.Str()!).ToList();

        Assert.That(resources, Is.Not.Empty);
        foreach (var resource in resources)
        {
            Assert.That(File.Exists(Repo.PathOf($"{Folder}/{resource}")), Is.True, $"kustomization.yaml lists {resource}, which does not exist");
        }

        Assert.That(resources, Is.SupersetOf(new[] { "scorer.yaml", "scorer-hpa.yaml", "api.yaml", "trainer.yaml" }));
    }

    [Test]
    public void The_scorer_StatefulSet_derives_its_transactional_id_from_the_pod_name()
    {
        var scorer = Scorer();
        var container = Containers(scorer["spec"]!["template"]!["spec"]!).Single();

        Assert.That(container["args"].Items().First().Str(), Is.EqualTo("score"));
        var id = container["env"].Items().SingleOrDefault(e => e["name"].Str() == "FRAUDSTREAM_Scorer__TransactionalId");
        Assert.That(id, Is.Not.Null, "FRAUDSTREAM_Scorer__TransactionalId");
        Assert.That(id!["valueFrom"]?["fieldRef"]?["fieldPath"].Str(), Is.EqualTo("metadata.name"));

        var governing = scorer["spec"]!["serviceName"].Str();
        var service = OfKind("Service").SingleOrDefault(s => s["metadata"]!["name"].Str() == governing);
        Assert.That(service, Is.Not.Null, $"the StatefulSet's serviceName {governing} is not a Service");
        Assert.That(service!["spec"]!["clusterIP"].Str(), Is.EqualTo("None"), "a StatefulSet's governing service is headless");
    }

    [Test]
    public void The_scorer_pods_grace_period_outlasts_its_shutdown_budget_and_the_hosts_margin()
    {
        var podSpec = Scorer()["spec"]!["template"]!["spec"]!;
        var budget = ShutdownBudget.Of(Containers(podSpec).Single()["env"].Items()
            .SingleOrDefault(e => e["name"].Str() == "FRAUDSTREAM_Scorer__ShutdownTimeout")?["value"].Str());

        Assert.That(TimeSpan.FromSeconds((double)podSpec["terminationGracePeriodSeconds"]!), Is.GreaterThan(budget + ShutdownBudget.HostMargin));
    }

    [Test]
    public void The_autoscaler_scales_the_scorers_on_an_exported_lag_metric()
    {
        var hpa = OfKind("HorizontalPodAutoscaler").Single();
        var target = hpa["spec"]!["scaleTargetRef"]!;

        Assert.That(target["kind"].Str(), Is.EqualTo("StatefulSet"));
        Assert.That(target["name"].Str(), Is.EqualTo(Scorer()["metadata"]!["name"].Str()));
        var metrics = hpa["spec"]!["metrics"].Items().Select(m => (m["pods"] ?? m["external"] ?? m["object"])?["metric"]?["name"].Str() ?? "").ToList();
        Assert.That(metrics, Has.Some.Contains("consumer_lag"), "scales on consumer lag");
        Assert.That(metrics.Where(m => m.StartsWith("fraudstream_", StringComparison.Ordinal)), Is.SubsetOf(ExportedMetrics.All));
        Assert.That(int.Parse(hpa["spec"]!["maxReplicas"].Str()!, System.Globalization.CultureInfo.InvariantCulture),
            Is.GreaterThanOrEqualTo(int.Parse(hpa["spec"]!["minReplicas"].Str()!, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public void The_trainer_CronJob_checks_the_retraining_triggers_daily_and_retrains_at_least_monthly()
    {
        var cronJob = OfKind("CronJob").Single();
        var fields = cronJob["spec"]!["schedule"].Str()!.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        Assert.That(fields, Has.Length.EqualTo(5), "a five-field cron schedule");
        Assert.That(fields[..2], Has.All.Match(@"^\d+$"), "a fixed minute and hour");
        Assert.That(fields[2..], Has.All.EqualTo("*"), "every day");
        Assert.That(cronJob["spec"]!["concurrencyPolicy"].Str(), Is.EqualTo("Forbid"));
        var container = Containers(cronJob["spec"]!["jobTemplate"]!["spec"]!["template"]!["spec"]!).Single();
        var args = container["args"].Items().Select(a => a.Str()!).ToList();
        Assert.That(args.Take(2), Is.EqualTo(new[] { "retrain", "--once" }));
        var every = args.SingleOrDefault(a => a.StartsWith("--every=", StringComparison.Ordinal));
        Assert.That(every, Does.Match(@"^--every=([1-9]|[12]\d|30)d$"), "the schedule trigger keeps a retrain at least monthly");
    }

    [Test]
    public void The_trainer_CronJob_judges_the_challenger_on_the_scorers_live_scores_before_it_retrains()
    {
        var config = OfKind("ConfigMap").Single(c => c["metadata"]!["name"].Str() == "fraudstream-config")["data"]!.AsObject();
        var pod = OfKind("CronJob").Single()["spec"]!["jobTemplate"]!["spec"]!["template"]!["spec"]!;
        var promoter = pod["initContainers"].Items().Single();
        var args = promoter["args"].Items().Select(a => a.Str()!).ToList();
        var env = promoter["env"].Items().ToDictionary(e => e["name"].Str()!);

        Assert.Multiple(() =>
        {
            Assert.That(args.Take(2), Is.EqualTo(new[] { "models", "promote-challenger" }), "an init container: it runs, and ends, before retrain");
            Assert.That(args, Has.One.Match(@"^--window=\d+d$").And.One.Match(@"^--min-frauds=\d+$"));
            Assert.That(args, Has.None.StartsWith("--scored-topic").And.None.StartsWith("--shadow-topic"), "the topics are the CLI's defaults");
            Assert.That(config["FRAUDSTREAM_Scorer__ScoredTopic"].Str(), Is.EqualTo("transactions_scored"), "the scorers write what promote-challenger reads by default");
            Assert.That(config["FRAUDSTREAM_Scorer__ShadowTopic"].Str(), Is.EqualTo("transactions_shadow"));
            Assert.That(env["FRAUDSTREAM_KAFKA_BOOTSTRAP"]["valueFrom"]!["configMapKeyRef"]!["key"].Str(), Is.EqualTo("FRAUDSTREAM_Scorer__BootstrapServers"));
            Assert.That(promoter["envFrom"].Items().Select(e => e["secretRef"]?["name"].Str()), Does.Contain("fraudstream-s3"), "the registry's credentials");
        });
    }

    [Test]
    public void The_trainer_finds_Kafka_the_schemas_and_every_scorers_metrics_through_the_shared_config()
    {
        var config = OfKind("ConfigMap").Single(c => c["metadata"]!["name"].Str() == "fraudstream-config")["data"]!.AsObject();
        var container = Containers(OfKind("CronJob").Single()["spec"]!["jobTemplate"]!["spec"]!["template"]!["spec"]!).Single();
        var env = container["env"].Items().ToDictionary(e => e["name"].Str()!);
        var args = container["args"].Items().Select(a => a.Str()!).ToList();

        Assert.That(env.ContainsKey("FRAUDSTREAM_KAFKA_BOOTSTRAP"), Is.True, "the variable the CLI reads for the cluster");
        foreach (var (name, variable) in env)
        {
            var reference = variable["valueFrom"]?["configMapKeyRef"];
            Assert.That(reference?["name"].Str(), Is.EqualTo("fraudstream-config"), name);
            Assert.That(config.ContainsKey(reference?["key"].Str() ?? ""), Is.True, $"{name}: fraudstream-config has no key {reference?["key"].Str()}");
        }

        foreach (var used in args.SelectMany(a => System.Text.RegularExpressions.Regex.Matches(a, @"\$\((?<name>[A-Za-z_][A-Za-z0-9_]*)\)")).Select(m => m.Groups["name"].Value))
        {
            Assert.That(env.ContainsKey(used), Is.True, $"args use $({used}), which the container's env does not define");
        }

        var scorer = Scorer();
        var replicas = Math.Max((int)scorer["spec"]!["replicas"]!, (int)OfKind("HorizontalPodAutoscaler").Single()["spec"]!["minReplicas"]!);
        var service = scorer["spec"]!["serviceName"].Str();
        var expected = Enumerable.Range(0, replicas).Select(i => $"--metrics-url=http://{scorer["metadata"]!["name"].Str()}-{i}.{service}.fraudstream.svc:9464/metrics");
        Assert.That(args, Is.SupersetOf(expected), "drift is read from every scorer the autoscaler always keeps");
    }

    [Test]
    public void The_api_Service_selects_the_api_pods_and_targets_their_port()
    {
        var api = OfKind("Deployment").Single(d => Containers(d["spec"]!["template"]!["spec"]!).Any(c => c["args"].Items().FirstOrDefault().Str() == "api"));
        var podLabels = api["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        var service = OfKind("Service").SingleOrDefault(s =>
            s["spec"]!["selector"]!.AsObject().All(kv => podLabels[kv.Key].Str() == kv.Value.Str()));

        Assert.That(service, Is.Not.Null, "no Service selects the api pods");
        var portNames = Containers(api["spec"]!["template"]!["spec"]!).SelectMany(c => c["ports"].Items()).Select(p => p["name"].Str()).ToList();
        foreach (var port in service!["spec"]!["ports"].Items())
        {
            Assert.That(portNames, Does.Contain(port["targetPort"].Str()), "the Service's targetPort names a container port");
        }
    }

    [Test]
    public void Workloads_run_as_non_root_and_reference_only_defined_config()
    {
        var manifests = Manifests();
        var configMaps = manifests.Where(m => m.Doc["kind"].Str() == "ConfigMap").Select(m => m.Doc["metadata"]!["name"].Str()).ToHashSet();
        var secrets = manifests.Where(m => m.Doc["kind"].Str() == "Secret").Select(m => m.Doc["metadata"]!["name"].Str()).ToHashSet();
        var podSpecs = OfKind("StatefulSet").Concat(OfKind("Deployment")).Select(w => w["spec"]!["template"]!["spec"]!)
            .Concat(OfKind("CronJob").Select(c => c["spec"]!["jobTemplate"]!["spec"]!["template"]!["spec"]!))
            .ToList();

        Assert.That(podSpecs, Has.Count.GreaterThanOrEqualTo(3));
        foreach (var pod in podSpecs)
        {
            Assert.That(pod["securityContext"]?["runAsNonRoot"]?.GetValue<bool>(), Is.True, "runAsNonRoot");
            foreach (var container in Containers(pod).Concat(pod["initContainers"].Items()))
            {
                foreach (var source in container["envFrom"].Items())
                {
                    if (source["configMapRef"]?["name"].Str() is { } configMap)
                    {
                        Assert.That(configMaps, Does.Contain(configMap), $"ConfigMap {configMap} is not defined");
                    }

                    if (source["secretRef"]?["name"].Str() is { } secret)
                    {
                        Assert.That(secrets, Does.Contain(secret), $"Secret {secret} is not described (secrets.example.yaml)");
                    }
                }
            }

            foreach (var volume in pod["volumes"].Items().Where(v => v["secret"] is not null))
            {
                Assert.That(secrets, Does.Contain(volume["secret"]!["secretName"].Str()), "secret volume");
            }
        }
    }
}
