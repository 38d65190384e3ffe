using System.Text.Json;

namespace FraudStream.Registry;

/// <summary>
/// The challenger alias (<c>models/challenger.json</c>): a version scorers score every batch with in shadow, beside
/// production, without raising alerts; its scores go to the shadow topic so its live accuracy can be compared.
/// </summary>
public sealed record ChallengerAlias
{
    /// <summary>The challenger, or null once it was withdrawn or promoted.</summary>
    public string? Version { get; init; }

    /// <summary>When the alias was last written.</summary>
    public required DateTimeOffset SetAt { get; init; }

    /// <summary>Why, in the operator's words (or the retraining job's).</summary>
    public string? Reason { get; init; }

    /// <summary>Serializes to challenger.json's form (the production alias's JSON settings).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ProductionAlias.JsonOptions);

    /// <summary>Parses challenger.json; throws <see cref="JsonException"/> when it is not one.</summary>
    public static ChallengerAlias FromJson(string json) =>
        JsonSerializer.Deserialize<ChallengerAlias>(json, ProductionAlias.JsonOptions)
        ?? throw new JsonException("challenger.json is empty.");
}
