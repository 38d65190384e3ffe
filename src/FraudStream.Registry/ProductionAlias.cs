using System.Text.Json;
using System.Text.Json.Serialization;

namespace FraudStream.Registry;

/// <summary>The production alias (<c>models/production.json</c>): the version scorers serve and the ones served before it.</summary>
public sealed record ProductionAlias
{
    /// <summary>The version in production.</summary>
    public required string Version { get; init; }

    /// <summary>Versions previously in production, most recent first; a rollback returns to the first.</summary>
    public IReadOnlyList<string> Previous { get; init; } = [];

    /// <summary>When <see cref="Version"/> was put in production.</summary>
    public required DateTimeOffset PromotedAt { get; init; }

    /// <summary>Why it was put in production, in the operator's words.</summary>
    public string? Reason { get; init; }

    /// <summary>The JSON settings of production.json: snake_case names, indented.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,

        // A name given twice is ambiguous (another reader may keep the other value): refuse it.
        AllowDuplicateProperties = false,
    };

    /// <summary>Serializes to production.json's form.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses production.json; throws <see cref="JsonException"/> when it is not one.</summary>
    public static ProductionAlias FromJson(string json) =>
        JsonSerializer.Deserialize<ProductionAlias>(json, JsonOptions)
        ?? throw new JsonException("production.json is empty.");
}
