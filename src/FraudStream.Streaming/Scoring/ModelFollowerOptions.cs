using System.ComponentModel.DataAnnotations;

namespace FraudStream.Streaming.Scoring;

/// <summary>How the scorer and the API follow the registry's production alias (configuration section "Model").</summary>
public sealed class ModelFollowerOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Model";

    /// <summary>How often the production alias is read.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00", ErrorMessage = "Model:PollInterval must be between 50 ms and 1 hour, e.g. 00:00:10.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>XGBoost prediction threads; 1 leaves the other cores to Kafka's threads.</summary>
    [Range(1, 256, ErrorMessage = "Model:PredictionThreads must be a whole number from 1 to 256.")]
    public int PredictionThreads { get; set; } = 1;

    /// <summary>A threshold that replaces every model's own, or null to use the model's.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Model:Threshold must be a probability from 0 to 1, or unset to use the model's own.")]
    public float? Threshold { get; set; }

    /// <summary>How many contributing features an alert or a /predict answer lists.</summary>
    [Range(0, 64, ErrorMessage = "Model:TopFeatures must be a whole number from 0 to 64.")]
    public int TopFeatures { get; set; } = 3;
}
