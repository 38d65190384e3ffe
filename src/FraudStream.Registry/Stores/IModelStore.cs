namespace FraudStream.Registry.Stores;

/// <summary>
/// A minimal blob store the registry keeps its versions in, addressed by '/'-separated keys such as
/// <c>models/20260314_093000/model.ubj</c> or <c>models/production.json</c>.
/// </summary>
/// <remarks>
/// Keys are relative: non-empty segments separated by '/', no '.' or '..' segments, no backslashes.
/// Implementations throw <see cref="ModelStoreUnavailableException"/> when the backing store cannot be reached
/// and <see cref="ArgumentException"/> for a key they cannot hold.
/// </remarks>
public interface IModelStore
{
    /// <summary>Where the store keeps its blobs, in words for messages (e.g. "local directory /var/models").</summary>
    string Description { get; }

    /// <summary>Writes (or replaces) the blob at <paramref name="key"/>.</summary>
    Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>Writes (or replaces) the blob at <paramref name="key"/> with the rest of <paramref name="content"/>.</summary>
    Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the blob at <paramref name="key"/> so that a concurrent reader sees either the old content or the new
    /// content in full, never a mix or a partial file (used for the production alias).
    /// </summary>
    Task PutAtomicAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>The blob at <paramref name="key"/>, or null when there is none.</summary>
    Task<byte[]?> TryGetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// The blob at <paramref name="key"/>, or null when there is none; throws <see cref="BlobTooLargeException"/> without
    /// reading it when it is over <paramref name="maxBytes"/> (a model file must not take the process's memory).
    /// </summary>
    Task<byte[]?> TryGetAsync(string key, long maxBytes, CancellationToken cancellationToken = default);

    /// <summary>All keys that start with <paramref name="prefix"/> (empty for every key), in ordinal order.</summary>
    Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default);
}
