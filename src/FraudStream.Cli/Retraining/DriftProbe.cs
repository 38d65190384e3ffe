using FraudStream.Operations;

namespace FraudStream.Cli.Retraining;

/// <summary>
/// Reads drift from the scorers' Prometheus endpoints: the gauges <c>fraudstream_feature_psi{model_version,feature}</c> and
/// <c>fraudstream_score_psi{model_version}</c>. An endpoint that does not answer, or has no such series for the model, gives
/// no signal rather than an error: drift then neither fires nor stops the other triggers.
/// </summary>
internal sealed class DriftProbe(HttpClient http, IReadOnlyList<Uri> endpoints) : IDriftSource
{
    /// <summary>The gauge of each feature's population stability index.</summary>
    public const string FeaturePsi = "fraudstream_feature_psi";

    /// <summary>The gauge of the score's population stability index.</summary>
    public const string ScorePsi = "fraudstream_score_psi";

    /// <inheritdoc />
    public async Task<DriftReading> ReadAsync(string modelVersion, CancellationToken cancellation)
    {
        (double Psi, string Where)? largest = null;
        var silent = new List<string>();
        foreach (var endpoint in endpoints)
        {
            string text;
            try
            {
                text = await http.GetStringAsync(endpoint, cancellation);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellation.IsCancellationRequested)
            {
                silent.Add($"{endpoint} did not answer ({e.Message})");
                continue;
            }

            var found = false;
            foreach (var sample in PrometheusTextReader.Read(text))
            {
                if (sample.Name is not (FeaturePsi or ScorePsi)
                    || !sample.Labels.TryGetValue("model_version", out var version) || version != modelVersion
                    || !double.IsFinite(sample.Value))
                {
                    continue;
                }

                found = true;
                if (largest is null || sample.Value > largest.Value.Psi)
                {
                    var what = sample.Name == ScorePsi ? "the score" : $"feature {sample.Labels.GetValueOrDefault("feature", "?")}";
                    largest = (sample.Value, $"{what} at {endpoint}");
                }
            }

            if (!found)
            {
                silent.Add($"{endpoint} has no {FeaturePsi} or {ScorePsi} for model {modelVersion}");
            }
        }

        return largest is { } max
            ? new DriftReading(max.Psi, max.Where)
            : new DriftReading(null, silent.Count > 0 ? string.Join("; ", silent) : "no --metrics-url");
    }

    /// <summary>An <see cref="HttpClient"/> for scrapes: a scorer's endpoint answers at once or not at all.</summary>
    public static HttpClient CreateClient() => new() { Timeout = TimeSpan.FromSeconds(10) };
}
