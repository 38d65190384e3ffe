using System.Globalization;

namespace FraudStream.Registry.Stores;

/// <summary>A blob is larger than the caller's limit; it was refused before its content was read.</summary>
public sealed class BlobTooLargeException : Exception
{
    public BlobTooLargeException()
    {
    }

    public BlobTooLargeException(string message)
        : base(message)
    {
    }

    public BlobTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The blob's size in bytes, as far as it was counted.</summary>
    public long Size { get; init; }

    /// <summary>The limit it is over.</summary>
    public long Limit { get; init; }

    /// <summary>Reads <paramref name="content"/> to its end, refusing it without reading when <paramref name="declaredLength"/> (negative when unknown) is over <paramref name="maxBytes"/>, and as soon as it grows past it.</summary>
    public static async Task<byte[]> ReadBoundedAsync(Stream content, long declaredLength, long maxBytes, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (declaredLength > maxBytes)
        {
            throw Create(key, declaredLength, maxBytes);
        }

        using var buffer = new MemoryStream(declaredLength > 0 ? (int)Math.Min(declaredLength, Array.MaxLength) : 0);
        var chunk = new byte[81920];
        int read;
        while ((read = await content.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw Create(key, buffer.Length + read, maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
    }

    private static BlobTooLargeException Create(string key, long size, long limit) =>
        new(string.Create(CultureInfo.InvariantCulture, $"'{key}' is at least {size:N0} bytes, over the limit of {limit:N0}.")) { Size = size, Limit = limit };
}
