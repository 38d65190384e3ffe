namespace FraudStream.Registry.Stores;

/// <summary>The embedded default store: blobs as files under a root directory, keys as relative paths.</summary>
/// <remarks>
/// Every write goes to a temporary file in the target's directory and is renamed over the target, so a reader
/// (a scorer hot-reloading, say) never sees a half-written model; the rename is atomic on one file system.
/// </remarks>
public sealed class LocalDirectoryModelStore : IModelStore
{
    // Temporary files carry this prefix and suffix, so listing skips any left behind by a crash mid-write.
    private const string TempPrefix = ".fraudstream-";
    private const string TempSuffix = ".tmp";

    private readonly string _root;

    /// <summary>A store rooted at <paramref name="root"/>; the directory is created on the first write.</summary>
    public LocalDirectoryModelStore(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        _root = Path.GetFullPath(root);
    }

    /// <summary>The absolute root directory.</summary>
    public string Root => _root;

    /// <inheritdoc />
    public string Description => $"local model directory {_root}";

    /// <inheritdoc />
    public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        WriteViaTempFileAsync(key, (file, ct) => file.WriteAsync(content, ct), flushToDisk: false, cancellationToken);

    /// <inheritdoc />
    public Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        return WriteViaTempFileAsync(key, (file, ct) => new ValueTask(content.CopyToAsync(file, ct)), flushToDisk: false, cancellationToken);
    }

    /// <inheritdoc />
    public Task PutAtomicAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        // The alias is what a restart reads first: make it durable before it replaces the old one.
        WriteViaTempFileAsync(key, (file, ct) => file.WriteAsync(content, ct), flushToDisk: true, cancellationToken);

    /// <inheritdoc />
    public Task<byte[]?> TryGetAsync(string key, CancellationToken cancellationToken = default) =>
        TryGetAsync(key, Array.MaxLength, cancellationToken);

    /// <inheritdoc />
    public async Task<byte[]?> TryGetAsync(string key, long maxBytes, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        try
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, useAsync: true);
            await using (file.ConfigureAwait(false))
            {
                return await BlobTooLargeException.ReadBoundedAsync(file, file.Length, maxBytes, key, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unavailable("read", key, ex);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        StoreKey.ValidatePrefix(prefix);
        cancellationToken.ThrowIfCancellationRequested();

        // Walk only the deepest directory the prefix names in full, then filter by the whole prefix.
        var lastSlash = prefix.LastIndexOf('/');
        var directory = lastSlash < 0 ? _root : Path.Combine(_root, prefix[..lastSlash].Replace('/', Path.DirectorySeparatorChar));
        if (!Directory.Exists(directory))
        {
            return Task.FromResult<IReadOnlyList<string>>([]);
        }

        try
        {
            var keys = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
                .Where(path => !IsTempFile(Path.GetFileName(path)))
                .Select(path => Path.GetRelativePath(_root, path).Replace(Path.DirectorySeparatorChar, '/'))
                .Where(key => key.StartsWith(prefix, StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .ToList();
            return Task.FromResult<IReadOnlyList<string>>(keys);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unavailable("list", prefix, ex);
        }
    }

    private async Task WriteViaTempFileAsync(
        string key,
        Func<FileStream, CancellationToken, ValueTask> write,
        bool flushToDisk,
        CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        var directory = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(directory, $"{TempPrefix}{Path.GetFileName(path)}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            Directory.CreateDirectory(directory);
            var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 81920, useAsync: true);
            await using (file.ConfigureAwait(false))
            {
                await write(file, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flushToDisk)
                {
                    file.Flush(flushToDisk: true);
                }
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw Unavailable("write", key, ex);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private string PathOf(string key)
    {
        StoreKey.Validate(key);
        return Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar));
    }

    private static bool IsTempFile(string fileName) =>
        fileName.StartsWith(TempPrefix, StringComparison.Ordinal) && fileName.EndsWith(TempSuffix, StringComparison.Ordinal);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: listing ignores temporary files, so a leftover one is only untidy.
        }
    }

    private ModelStoreUnavailableException Unavailable(string operation, string key, Exception ex) =>
        new($"Could not {operation} '{key}' in the {Description} ({ex.Message}); check that the directory exists, is writable by this user and the disk is not full.", 1, ex);
}
