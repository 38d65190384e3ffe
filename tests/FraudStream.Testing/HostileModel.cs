using System.Text.Json.Nodes;
using FraudStream.Registry;

namespace FraudStream.Testing;

/// <summary>
/// A version no service may serve, written into a local registry beside a good one as a careless or hostile publisher
/// would (straight to the files, past the registry's own checks). <see cref="All"/> is the set every model-loading path
/// (followers, promotion, `models show`, rollback) is tested against; <see cref="Reason"/> is the refusal reason expected.
/// </summary>
public sealed class HostileModel
{
    private readonly Func<JsonObject, string> _metadata;
    private readonly Func<byte[], byte[]>? _model;
    private readonly bool _rehashModel;

    private HostileModel(int index, string name, string reason, Func<JsonObject, string> metadata, Func<byte[], byte[]>? model = null, bool rehashModel = false)
    {
        Name = name;
        Reason = reason;
        Version = $"20261201_0000{index:D2}";
        _metadata = metadata;
        _model = model;
        _rehashModel = rehashModel;
    }

    /// <summary>What is wrong with it, as a test name.</summary>
    public string Name { get; }

    /// <summary>The refusal reason a follower gives (the label of fraudstream_model_refusals_total).</summary>
    public string Reason { get; }

    /// <summary>The version it is published under: distinct per case, later than the fixtures' good versions.</summary>
    public string Version { get; }

    /// <summary>Every hostile case: the (null pipeline, feature names, model file, path traversal, thresholds out of range) and the ones already handled.</summary>
    public static IReadOnlyList<HostileModel> All { get; } =
    [
        new(0, "pipeline_null", "bad_metadata", m => Set(m, "pipeline", null)),
        new(1, "feature_names_null", "bad_metadata", m => Set(m["pipeline"]!.AsObject(), "feature_names", null, m)),
        new(2, "feature_name_null", "bad_metadata", m => { m["pipeline"]!["feature_names"]![0] = null; return m.ToJsonString(); }),
        new(3, "model_file_null", "bad_metadata", m => Set(m, "model_file", null)),
        new(4, "model_file_outside_the_version", "bad_metadata", m => Set(m, "model_file", "../../../../../etc/passwd")),
        new(5, "model_file_is_the_metadata", "bad_metadata", m => Set(m, "model_file", "metadata.json")),
        new(6, "threshold_negative", "bad_metadata", m => Set(m, "threshold", -1)),
        new(7, "threshold_above_one", "bad_metadata", m => Set(m, "threshold", 7.5)),
        new(8, "metrics_null", "bad_metadata", m => Set(m, "metrics", null)),
        new(9, "parameters_null", "bad_metadata", m => Set(m, "parameters", null)),
        new(10, "model_sha256_null", "bad_metadata", m => Set(m, "model_sha256", null)),
        new(11, "best_iteration_negative", "bad_metadata", m => Set(m, "best_iteration", -1)),
        new(12, "version_of_another", "bad_metadata", m => Set(m, "version", "20200101_000000")),
        new(13, "metadata_not_json", "bad_metadata", _ => "{\"version\": "),
        new(14, "metadata_json_null", "bad_metadata", _ => "null"),
        new(15, "unknown_feature", "incompatible_features", m => { m["pipeline"]!["feature_names"]![0] = "velocity_last_hour"; return m.ToJsonString(); }),
        new(16, "other_pipeline_version", "incompatible_features", m => Set(m["pipeline"]!.AsObject(), "version", "tx-v0", m)),
        new(17, "fewer_features_than_the_model", "incompatible_features", m => { var names = m["pipeline"]!["feature_names"]!.AsArray(); names.RemoveAt(names.Count - 1); return m.ToJsonString(); }),
        new(18, "best_iteration_beyond_the_model", "incompatible_features", m => Set(m, "best_iteration", 100_000)),
        new(19, "model_fails_its_checksum", "checksum", m => m.ToJsonString(), model => { var b = (byte[])model.Clone(); b[b.Length / 2] ^= 0xFF; return b; }),
        new(20, "model_file_missing", "checksum", m => Set(m, "model_file", "other.ubj")),
        new(21, "model_not_xgboost", "load_failed", m => m.ToJsonString(), _ => [.. "{\"learner\": 42}"u8], rehashModel: true),
        new(22, "threshold_given_twice", "bad_metadata", m => "{\"threshold\": 0.000001, " + m.ToJsonString()[1..]),
        new(23, "drift_reference_shares_over_one", "bad_metadata", m => Set(m, "drift_reference", JsonNode.Parse("""
            {"feature_rows": 10, "features": [{"name": "amount", "bins": {"edges": [1], "proportions": [0.5, 0.6], "missing": 0}}],
             "score_rows": 10, "score": {"edges": [], "proportions": [1], "missing": 0}}
            """))),
    ];

    /// <summary>Writes this case as <see cref="Version"/> into the local registry at <paramref name="registryDirectory"/>, from <paramref name="goodVersion"/>'s files there.</summary>
    public async Task<string> PublishAsync(string registryDirectory, string goodVersion)
    {
        var source = Path.Combine(registryDirectory, "models", goodVersion);
        var target = Path.Combine(registryDirectory, "models", Version);
        Directory.CreateDirectory(target);
        var metadata = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(source, RegistryLayout.MetadataFileName)))!.AsObject();
        var modelFile = metadata["model_file"]!.GetValue<string>();
        var model = await File.ReadAllBytesAsync(Path.Combine(source, modelFile));
        if (_model is not null)
        {
            model = _model(model);
        }

        metadata["version"] = Version;
        if (_rehashModel)
        {
            metadata["model_sha256"] = ModelRegistry.Sha256Hex(model);
        }

        await File.WriteAllBytesAsync(Path.Combine(target, modelFile), model);
        await File.WriteAllTextAsync(Path.Combine(target, RegistryLayout.ReportFileName), $"# Hostile model {Name}\n");
        await File.WriteAllTextAsync(Path.Combine(target, RegistryLayout.MetadataFileName), _metadata(metadata));
        return Version;
    }

    /// <summary>Points the production alias of <paramref name="registryDirectory"/> at <paramref name="version"/> behind the registry's back, as a manual edit would.</summary>
    public static Task WriteProductionAliasAsync(string registryDirectory, string version, params string[] previous) =>
        File.WriteAllTextAsync(
            Path.Combine(registryDirectory, "models", "production.json"),
            new ProductionAlias { Version = version, Previous = previous, PromotedAt = DateTimeOffset.UnixEpoch, Reason = "written by a test" }.ToJson());

    /// <inheritdoc />
    public override string ToString() => Name;

    private static string Set(JsonObject node, string name, JsonNode? value, JsonObject? root = null)
    {
        node[name] = value;
        return (root ?? node).ToJsonString();
    }
}
