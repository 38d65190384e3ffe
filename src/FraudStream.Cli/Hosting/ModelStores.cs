using System.CommandLine;
using FraudStream.Registry;
using FraudStream.Registry.Stores;
using FraudStream.Serving;
using Microsoft.Extensions.Logging;

namespace FraudStream.Cli.Hosting;

/// <summary>
/// Opens the model store a verb's <c>--registry</c> names: a directory (the embedded default) or
/// <c>s3://bucket/prefix</c>. S3 follows the usual AWS configuration (credential chain, <c>AWS_REGION</c>),
/// and <c>AWS_ENDPOINT_URL_S3</c> / <c>AWS_ENDPOINT_URL</c> point it at an S3-compatible server (MinIO, s3rver)
/// with path-style addressing.
/// </summary>
internal static class ModelStores
{
    /// <summary>Environment variable naming the registry when <c>--registry</c> is not given.</summary>
    public const string RegistryVariable = "FRAUDSTREAM_REGISTRY";

    /// <summary>The registry location used when neither the option nor the variable is set.</summary>
    public const string DefaultLocation = "model-registry";

    /// <summary>The <c>--registry</c> option, the same for every verb that uses the registry.</summary>
    public static Option<string?> CreateOption() => new("--registry")
    {
        Description = $"Model registry: a directory or s3://bucket/prefix (default: ${RegistryVariable}, else '{DefaultLocation}').",
        HelpName = "dir|s3://bucket/prefix",
    };

    /// <summary>The location from the option, else the environment, else the default.</summary>
    public static string Resolve(string? option) =>
        !string.IsNullOrEmpty(option) ? option
        : Environment.GetEnvironmentVariable(RegistryVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : DefaultLocation;

    /// <summary>
    /// The registry at <paramref name="location"/>, checking a version can be served (<see cref="ServableModelCheck"/>)
    /// before it promotes or rolls back to it; throws <see cref="ArgumentException"/> for a location that cannot work.
    /// </summary>
    public static ModelRegistry OpenRegistry(
        string location, TimeProvider timeProvider, ILogger? logger = null, long maxModelBytes = ModelRegistry.DefaultMaxModelBytes) =>
        new(Open(location), timeProvider, logger, new ServableModelCheck()) { MaxModelBytes = maxModelBytes };

    /// <summary>Opens the store; throws <see cref="ArgumentException"/> with one sentence for a location that cannot work.</summary>
    public static IModelStore Open(string location)
    {
        if (!location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            var root = Path.GetFullPath(location);
            return File.Exists(root)
                ? throw new ArgumentException($"--registry '{root}' is a file; name a directory (it is created if missing) or s3://bucket/prefix.")
                : new LocalDirectoryModelStore(root);
        }

        var path = location["s3://".Length..];
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var endpoint = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_S3") ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
        var options = new S3ModelStoreOptions
        {
            Bucket = slash < 0 ? path : path[..slash],
            Prefix = slash < 0 ? "" : path[(slash + 1)..].TrimEnd('/') is { Length: > 0 } prefix ? prefix + "/" : "",
            ServiceUrl = string.IsNullOrEmpty(endpoint) ? null : endpoint,
            ForcePathStyle = !string.IsNullOrEmpty(endpoint),
            Region = Environment.GetEnvironmentVariable("AWS_REGION"),
        };
        options.Validate();
        return new S3ModelStore(options);
    }
}
