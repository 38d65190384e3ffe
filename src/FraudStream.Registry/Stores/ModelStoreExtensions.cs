namespace FraudStream.Registry.Stores;

/// <summary>Conveniences over <see cref="IModelStore"/>.</summary>
public static class ModelStoreExtensions
{
    /// <summary>The blob at <paramref name="key"/>; throws <see cref="ModelNotFoundException"/> when there is none.</summary>
    public static async Task<byte[]> GetAsync(this IModelStore store, string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        return await store.TryGetAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new ModelNotFoundException($"'{key}' is not in the {store.Description}; check the key or publish it first.", key);
    }
}
