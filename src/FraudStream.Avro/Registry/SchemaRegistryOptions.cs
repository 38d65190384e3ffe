using System.ComponentModel.DataAnnotations;

namespace FraudStream.Avro.Registry;

/// <summary>How to reach the Schema Registry (configuration section <c>SchemaRegistry</c>).</summary>
public sealed class SchemaRegistryOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "SchemaRegistry";

    /// <summary>Base URL, e.g. <c>http://schema-registry:8081</c>.</summary>
    [Required]
    public Uri? Url { get; set; }

    /// <summary>Time limit for one HTTP attempt (at least 10 ms).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries after the first attempt, for timeouts, connection errors and 5xx/408/429 answers.</summary>
    [Range(0, 20)]
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>First retry delay; doubles on each retry (with jitter).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);
}
