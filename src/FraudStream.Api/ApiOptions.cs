using Microsoft.Extensions.Options;

namespace FraudStream.Api;

/// <summary>Settings of the /predict API (configuration section "Api").</summary>
internal sealed class ApiOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Api";

    /// <summary>Where the API listens unless Api:Url says otherwise.</summary>
    public const string DefaultUrl = "http://0.0.0.0:8080";

    /// <summary>Where the API listens (port 0 picks a free one).</summary>
    public string Url { get; set; } = DefaultUrl;

    /// <summary>Keys that may score and read the registry (X-API-Key).</summary>
    public List<string> Keys { get; set; } = [];

    /// <summary>Keys that may also roll the production model back.</summary>
    public List<string> AdminKeys { get; set; } = [];

    /// <summary>A secrets file with one key per line; a line "admin KEY" names an admin key, '#' starts a comment.</summary>
    public string? KeysFile { get; set; }

    /// <summary>Most transactions in one /predict/batch request.</summary>
    public int MaxBatchSize { get; set; } = 1000;

    /// <summary>Requests per second each key may make (a token bucket that also allows a burst of this size).</summary>
    public int RequestsPerSecond { get; set; } = 1000;

    /// <summary>Requests per second each client address may make to the keyless OpenAPI document.</summary>
    public int AnonymousRequestsPerSecond { get; set; } = 10;

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Score /predict's transactions with the registry's challenger too (answers stay production's): the challenger's
    /// scores, would-be alerts and disagreements with production are counted in the metrics.
    /// </summary>
    public bool MirrorChallenger { get; set; }
}

/// <summary>Checks <see cref="ApiOptions"/> at start, one sentence per problem.</summary>
internal sealed class ApiOptionsValidator : IValidateOptions<ApiOptions>
{
    /// <summary>Shortest key accepted: a guessable key is no key.</summary>
    public const int MinKeyLength = 16;

    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"Api:Url must be an http:// or https:// URL such as {ApiOptions.DefaultUrl}, not '{options.Url}'.");
        }

        if (options.MaxBatchSize is < 1 or > 100_000)
        {
            failures.Add($"Api:MaxBatchSize must be a whole number from 1 to 100000, not {options.MaxBatchSize}.");
        }

        if (options.RequestsPerSecond is < 1 or > 1_000_000)
        {
            failures.Add($"Api:RequestsPerSecond must be a whole number from 1 to 1000000, not {options.RequestsPerSecond}.");
        }

        if (options.AnonymousRequestsPerSecond is < 1 or > 1_000_000)
        {
            failures.Add($"Api:AnonymousRequestsPerSecond must be a whole number from 1 to 1000000, not {options.AnonymousRequestsPerSecond}.");
        }

        if (options.MaxBodyBytes is < 1024 or > 1024L * 1024 * 1024)
        {
            failures.Add($"Api:MaxBodyBytes must be from 1024 to 1073741824 bytes, not {options.MaxBodyBytes}.");
        }

        foreach (var (setting, keys) in new[] { ("Api:Keys", options.Keys), ("Api:AdminKeys", options.AdminKeys) })
        {
            for (var i = 0; i < keys.Count; i++)
            {
                if (ApiKeyring.Problem(keys[i]) is { } problem)
                {
                    failures.Add($"{setting}:{i} {problem}");
                }
            }
        }

        if (options.KeysFile is { Length: > 0 } file && !File.Exists(file))
        {
            failures.Add($"Api:KeysFile '{file}' does not exist: point it at a file with one API key per line.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
