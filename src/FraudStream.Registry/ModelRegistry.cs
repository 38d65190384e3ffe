using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FraudStream.Core.Models;
using FraudStream.Registry.Stores;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraudStream.Registry;

/// <summary>Published model versions and the production alias, kept in an <see cref="IModelStore"/>.</summary>
/// <remarks>
/// A version is a folder (<see cref="RegistryLayout"/>) written model file first and metadata last, so a version whose
/// publishing was interrupted has no metadata and is invisible. Versions never change once published. The alias is one
/// object replaced atomically; promotions read, change and write it, so run one promotion at a time.
/// </remarks>
public sealed partial class ModelRegistry
{
    /// <summary>How many previous production versions the alias remembers for rollbacks.</summary>
    public const int MaxHistory = 50;

    /// <summary>The default of <see cref="MaxModelBytes"/>: far above a fraud model's few megabytes, far below a pod's memory limit.</summary>
    public const long DefaultMaxModelBytes = 256L * 1024 * 1024;

    private readonly IModelStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly IModelVerifier? _verifier;

    /// <summary>
    /// A registry over <paramref name="store"/>; time comes from <paramref name="timeProvider"/> (the system clock by
    /// default). With a <paramref name="verifier"/>, promotion and rollback also check the version can be served.
    /// </summary>
    public ModelRegistry(IModelStore store, TimeProvider? timeProvider = null, ILogger? logger = null, IModelVerifier? verifier = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _verifier = verifier;
    }

    /// <summary>The store the registry keeps its versions in.</summary>
    public IModelStore Store => _store;

    /// <summary>A model file larger than this is refused (reason <c>too_large</c>) before it is read.</summary>
    public long MaxModelBytes
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, Array.MaxLength);
            field = value;
        }
    } = DefaultMaxModelBytes;

    /// <summary>Publishes a new version: the model file, then the report, then the metadata that marks the version complete.</summary>
    /// <exception cref="ArgumentException">The version, model file name or model bytes are not publishable (the message says which).</exception>
    /// <exception cref="CorruptModelException">The metadata's SHA-256 does not match <paramref name="modelBytes"/>.</exception>
    /// <exception cref="ModelVersionExistsException">The version is already published.</exception>
    public async Task PublishAsync(ModelMetadata metadata, ReadOnlyMemory<byte> modelBytes, string report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(report);
        var version = metadata.Version;
        ModelVersion.Validate(version, nameof(metadata));
        if (ModelMetadataRules.FindProblem(metadata) is { } problem)
        {
            throw new ArgumentException($"Refusing to publish model {version}: {problem}.", nameof(metadata));
        }

        if (modelBytes.IsEmpty)
        {
            throw new ArgumentException($"Refusing to publish model {version}: the model file is empty.", nameof(modelBytes));
        }

        var actual = Sha256Hex(modelBytes.Span);
        if (!string.Equals(metadata.ModelSha256, actual, StringComparison.OrdinalIgnoreCase))
        {
            throw new CorruptModelException(
                $"Refusing to publish model {version}: its metadata records SHA-256 '{metadata.ModelSha256}' but the model bytes hash to {actual}; set model_sha256 from the file being published.",
                version,
                metadata.ModelSha256,
                actual);
        }

        if (await _store.TryGetAsync(RegistryLayout.MetadataKey(version), cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new ModelVersionExistsException(
                $"Model version {version} is already published in the {_store.Description} and published versions never change; publish the new model under a new version.",
                version);
        }

        await _store.PutAsync(RegistryLayout.ModelKey(version, metadata.ModelFile), modelBytes, cancellationToken).ConfigureAwait(false);
        await _store.PutAsync(RegistryLayout.ReportKey(version), Encoding.UTF8.GetBytes(report), cancellationToken).ConfigureAwait(false);
        await _store.PutAsync(RegistryLayout.MetadataKey(version), Encoding.UTF8.GetBytes(metadata.ToJson()), cancellationToken).ConfigureAwait(false);
        LogPublished(_logger, version, modelBytes.Length, _store.Description);
    }

    /// <summary>The complete (metadata written) versions, newest first.</summary>
    public async Task<IReadOnlyList<string>> ListVersionsAsync(CancellationToken cancellationToken = default)
    {
        var keys = await _store.ListAsync(RegistryLayout.ModelsPrefix, cancellationToken).ConfigureAwait(false);
        var versions = new List<string>();
        foreach (var key in keys)
        {
            // models/<version>/metadata.json, and nothing deeper or shallower.
            var parts = key.Split('/');
            if (parts.Length == 3 && parts[2] == RegistryLayout.MetadataFileName && ModelVersion.IsValid(parts[1]))
            {
                versions.Add(parts[1]);
            }
        }

        // The version format sorts chronologically as text.
        versions.Sort((a, b) => string.CompareOrdinal(b, a));
        return versions;
    }

    /// <summary>The metadata of a published version.</summary>
    /// <exception cref="ArgumentException"><paramref name="version"/> is not a version.</exception>
    /// <exception cref="ModelNotFoundException">The version is not published.</exception>
    /// <exception cref="InvalidModelMetadataException">Its metadata.json is not valid metadata of this version.</exception>
    public async Task<ModelMetadata> GetMetadataAsync(string version, CancellationToken cancellationToken = default)
    {
        ModelVersion.Validate(version);
        var key = RegistryLayout.MetadataKey(version);
        var json = await _store.TryGetAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new ModelNotFoundException(
                $"Model version {version} is not in the {_store.Description}; list the published versions to pick one.", key);

        ModelMetadata metadata;
        try
        {
            metadata = ModelMetadata.FromJson(Encoding.UTF8.GetString(json));
        }
        catch (JsonException ex)
        {
            throw new InvalidModelMetadataException($"The metadata of model {version} is not valid metadata.json ({ex.Message}); re-publish it.", ex);
        }

        if (metadata.Version != version)
        {
            throw new InvalidModelMetadataException($"The metadata of model {version} says it is version '{metadata.Version}'; re-publish it.");
        }

        if (ModelMetadataRules.FindProblem(metadata) is { } problem)
        {
            throw new InvalidModelMetadataException($"The metadata of model {version} is not valid: {problem}; re-publish it.");
        }

        return metadata;
    }

    /// <summary>The production alias, or null when no version has been promoted yet.</summary>
    /// <exception cref="ModelRegistryException">production.json exists but cannot be read.</exception>
    public async Task<ProductionAlias?> GetProductionAsync(CancellationToken cancellationToken = default) =>
        await ReadAliasAsync(RegistryLayout.ProductionKey, ProductionAlias.FromJson, a => a.Version, "promote a version", cancellationToken).ConfigureAwait(false);

    /// <summary>The challenger alias, or null when none was ever set (its <see cref="ChallengerAlias.Version"/> is null once withdrawn).</summary>
    /// <exception cref="ModelRegistryException">challenger.json exists but cannot be read.</exception>
    public async Task<ChallengerAlias?> GetChallengerAsync(CancellationToken cancellationToken = default) =>
        await ReadAliasAsync(RegistryLayout.ChallengerKey, ChallengerAlias.FromJson, a => a.Version, "set or clear the challenger", cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Makes <paramref name="version"/> the challenger: scorers score every batch with it in shadow, beside production.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="version"/> is not a version, or <paramref name="reason"/> is empty.</exception>
    /// <exception cref="ModelRegistryException">The version is in production.</exception>
    /// <exception cref="ModelNotFoundException">The version is not published.</exception>
    /// <exception cref="ModelRefusedException">The version cannot be served.</exception>
    public async Task<ChallengerAlias> ChallengeAsync(string version, string reason, CancellationToken cancellationToken = default)
    {
        ModelVersion.Validate(version);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        await LoadForProductionAsync(version, "make a challenger of", cancellationToken).ConfigureAwait(false);
        if ((await GetProductionAsync(cancellationToken).ConfigureAwait(false))?.Version == version)
        {
            throw new ModelRegistryException($"Model {version} is in production; a challenger must be another version.");
        }

        var alias = new ChallengerAlias { Version = version, SetAt = _timeProvider.GetUtcNow(), Reason = reason };
        await _store.PutAtomicAsync(RegistryLayout.ChallengerKey, Encoding.UTF8.GetBytes(alias.ToJson()), cancellationToken).ConfigureAwait(false);
        LogChallenger(_logger, version, reason);
        return alias;
    }

    /// <summary>Withdraws the challenger (scorers stop scoring with it); nothing changes when there is none.</summary>
    /// <returns>The withdrawn version, or null when there was none.</returns>
    public async Task<string?> ClearChallengerAsync(string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var current = (await GetChallengerAsync(cancellationToken).ConfigureAwait(false))?.Version;
        if (current is null)
        {
            return null;
        }

        var alias = new ChallengerAlias { Version = null, SetAt = _timeProvider.GetUtcNow(), Reason = reason };
        await _store.PutAtomicAsync(RegistryLayout.ChallengerKey, Encoding.UTF8.GetBytes(alias.ToJson()), cancellationToken).ConfigureAwait(false);
        LogChallengerCleared(_logger, current, reason);
        return current;
    }

    /// <summary>
    /// Puts <paramref name="version"/> in production, remembering the current production version for a rollback; promoting
    /// the version already in production changes nothing.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="version"/> is not a version, or <paramref name="reason"/> is empty.</exception>
    /// <exception cref="ModelNotFoundException">The version is not published.</exception>
    /// <exception cref="ModelRefusedException">The version cannot be served: bad metadata, checksum, or (with a verifier) features or model.</exception>
    public async Task<ProductionAlias> PromoteAsync(string version, string reason, CancellationToken cancellationToken = default)
    {
        ModelVersion.Validate(version);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);

        // Followers refuse a version they cannot serve: promoting one would leave production on a version nobody serves.
        await LoadForProductionAsync(version, "promote", cancellationToken).ConfigureAwait(false);

        var current = await GetProductionAsync(cancellationToken).ConfigureAwait(false);
        if (current?.Version == version)
        {
            return current;
        }

        var alias = new ProductionAlias
        {
            Version = version,
            Previous = current is null ? [] : [.. new[] { current.Version }.Concat(current.Previous).Take(MaxHistory)],
            PromotedAt = _timeProvider.GetUtcNow(),
            Reason = reason,
        };
        await WriteAliasAsync(alias, cancellationToken).ConfigureAwait(false);
        LogPromoted(_logger, version, current?.Version ?? "none", reason);
        if ((await GetChallengerAsync(cancellationToken).ConfigureAwait(false))?.Version == version)
        {
            await ClearChallengerAsync($"promoted to production ({reason})", cancellationToken).ConfigureAwait(false);
        }

        return alias;
    }

    /// <summary>Puts the previous production version back in production and drops the current one from the history.</summary>
    /// <exception cref="ModelRegistryException">There is no production version, or it has no previous one.</exception>
    /// <exception cref="ModelNotFoundException">The previous version is no longer in the store.</exception>
    /// <exception cref="ModelRefusedException">The previous version cannot be served.</exception>
    public async Task<ProductionAlias> RollbackAsync(CancellationToken cancellationToken = default)
    {
        var current = await GetProductionAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new ModelRegistryException(
                $"There is no production model in the {_store.Description} to roll back from; promote a version first.");
        if (current.Previous.Count == 0)
        {
            throw new ModelRegistryException(
                $"Production model {current.Version} has no previous version to roll back to; promote the version you want instead.");
        }

        var target = current.Previous[0];
        await LoadForProductionAsync(target, "roll back to", cancellationToken).ConfigureAwait(false);
        var alias = new ProductionAlias
        {
            Version = target,
            Previous = [.. current.Previous.Skip(1)],
            PromotedAt = _timeProvider.GetUtcNow(),
            Reason = $"rollback from {current.Version}",
        };
        await WriteAliasAsync(alias, cancellationToken).ConfigureAwait(false);
        LogRolledBack(_logger, target, current.Version);
        return alias;
    }

    /// <summary>The metadata and model bytes of a published version, after checking the bytes against the metadata's SHA-256.</summary>
    /// <exception cref="ArgumentException"><paramref name="version"/> is not a version.</exception>
    /// <exception cref="ModelNotFoundException">The version is not published.</exception>
    /// <exception cref="InvalidModelMetadataException">Its metadata.json is not valid metadata of this version.</exception>
    /// <exception cref="CorruptModelException">The model file is missing or fails its checksum.</exception>
    /// <exception cref="UnservableModelException">The model file is over <see cref="MaxModelBytes"/> (not read).</exception>
    public async Task<(ModelMetadata Metadata, byte[] ModelBytes)> LoadAsync(string version, CancellationToken cancellationToken = default)
    {
        var metadata = await GetMetadataAsync(version, cancellationToken).ConfigureAwait(false);
        byte[]? modelBytes;
        try
        {
            modelBytes = await _store.TryGetAsync(RegistryLayout.ModelKey(version, metadata.ModelFile), MaxModelBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobTooLargeException ex)
        {
            throw new UnservableModelException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Model {version}'s {metadata.ModelFile} is at least {ex.Size:N0} bytes, over the {ex.Limit:N0} this process loads (Model:MaxModelBytes); re-publish a smaller model or raise the limit."),
                "too_large",
                ex);
        }

        if (modelBytes is null)
        {
            throw new CorruptModelException(
                $"Model {version} has metadata but no {metadata.ModelFile} in the {_store.Description}; re-publish it.", version, metadata.ModelSha256, null);
        }

        var actual = Sha256Hex(modelBytes);
        if (!string.Equals(metadata.ModelSha256, actual, StringComparison.OrdinalIgnoreCase))
        {
            throw new CorruptModelException(
                $"Model {version} failed its checksum: expected {metadata.ModelSha256}, got {actual}; re-publish it.",
                version,
                metadata.ModelSha256,
                actual);
        }

        return (metadata, modelBytes);
    }

    /// <summary>
    /// <see cref="LoadAsync"/>, then the verifier's check that the version can be served: what promotion and rollback
    /// require of a version.
    /// </summary>
    /// <exception cref="ModelRefusedException">The version cannot be served (the reason says why).</exception>
    public async Task<(ModelMetadata Metadata, byte[] ModelBytes)> LoadServableAsync(string version, CancellationToken cancellationToken = default)
    {
        var (metadata, model) = await LoadAsync(version, cancellationToken).ConfigureAwait(false);
        _verifier?.Verify(metadata, model);
        return (metadata, model);
    }

    /// <summary>Lower-case hex SHA-256, the form <see cref="ModelMetadata.ModelSha256"/> records.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private async Task LoadForProductionAsync(string version, string action, CancellationToken cancellationToken)
    {
        try
        {
            await LoadServableAsync(version, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelNotFoundException ex)
        {
            throw new ModelNotFoundException(
                $"Cannot {action} model {version}: it is not in the {_store.Description}; publish it first or pick a published version.",
                ex.Key ?? RegistryLayout.MetadataKey(version));
        }
    }

    private async Task<TAlias?> ReadAliasAsync<TAlias>(
        string key, Func<string, TAlias> parse, Func<TAlias, string?> version, string fix, CancellationToken cancellationToken)
        where TAlias : class
    {
        var json = await _store.TryGetAsync(key, cancellationToken).ConfigureAwait(false);
        if (json is null)
        {
            return null;
        }

        TAlias alias;
        try
        {
            alias = parse(Encoding.UTF8.GetString(json));
        }
        catch (JsonException ex)
        {
            throw new ModelRegistryException($"The alias {key} in the {_store.Description} is not valid ({ex.Message}); {fix} to rewrite it.", ex);
        }

        if (version(alias) is { } named && !ModelVersion.IsValid(named))
        {
            throw new ModelRegistryException($"The alias {key} in the {_store.Description} names '{named}', which is not a version; {fix} to rewrite it.");
        }

        return alias;
    }

    private Task WriteAliasAsync(ProductionAlias alias, CancellationToken cancellationToken) =>
        _store.PutAtomicAsync(RegistryLayout.ProductionKey, Encoding.UTF8.GetBytes(alias.ToJson()), cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Published model {Version} ({Bytes} bytes) to the {Store}")]
    private static partial void LogPublished(ILogger logger, string version, int bytes, string store);

    [LoggerMessage(Level = LogLevel.Information, Message = "Promoted model {Version} to production (was {Previous}): {Reason}")]
    private static partial void LogPromoted(ILogger logger, string version, string previous, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Version} is the challenger: {Reason}")]
    private static partial void LogChallenger(ILogger logger, string version, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Challenger {Version} withdrawn: {Reason}")]
    private static partial void LogChallengerCleared(ILogger logger, string version, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rolled production back to model {Version} from {From}")]
    private static partial void LogRolledBack(ILogger logger, string version, string from);
}
