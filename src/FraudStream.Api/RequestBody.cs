using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace FraudStream.Api;

/// <summary>
/// A request body read whole into a buffer rented from the shared array pool; disposing gives the buffer back, so a
/// request allocates no body buffer of its own. <see cref="Memory"/> is valid until then.
/// </summary>
internal sealed class RequestBody : IDisposable
{
    private const int UnknownLengthStart = 4 * 1024;

    private byte[] _buffer;
    private int _length;

    private RequestBody(int capacity) => _buffer = ArrayPool<byte>.Shared.Rent(capacity);

    private RequestBody(IResult refusal)
    {
        _buffer = [];
        Refusal = refusal;
    }

    /// <summary>The body's bytes (none when refused).</summary>
    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, _length);

    /// <summary>The answer to give instead of reading the body (413, 415), or null when it was read.</summary>
    public IResult? Refusal { get; }

    /// <summary>
    /// Reads the whole body, refusing one over <paramref name="limit"/> bytes (413) or that is not JSON (415): a
    /// Content-Length over the limit is refused before anything is read, a longer chunked body once the limit is passed.
    /// </summary>
    public static async Task<RequestBody> ReadAsync(HttpContext context, long limit)
    {
        var request = context.Request;
        if (request.ContentType is { } contentType && !IsJson(contentType))
        {
            return new RequestBody(Results.Problem(
                title: "Unsupported media type.",
                detail: $"Send the body as application/json, not {ApiEndpoints.Truncate(contentType)}.",
                statusCode: StatusCodes.Status415UnsupportedMediaType));
        }

        // A compressed body would otherwise be read as (invalid) UTF-8 and answered 400 for the wrong reason.
        if (request.Headers.ContentEncoding is { Count: > 0 } encoding && !string.Equals(encoding.ToString(), "identity", StringComparison.OrdinalIgnoreCase))
        {
            return new RequestBody(Results.Problem(
                title: "Unsupported media type.",
                detail: $"Send the body uncompressed: Content-Encoding {ApiEndpoints.Truncate(encoding.ToString())} is not supported.",
                statusCode: StatusCodes.Status415UnsupportedMediaType));
        }

        if (request.ContentLength > limit)
        {
            return new RequestBody(TooLarge(limit));
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        var body = new RequestBody(request.ContentLength is { } length ? (int)Math.Max(length, 1) : UnknownLengthStart);
        var complete = false;
        try
        {
            complete = await body.FillAsync(request.BodyReader, limit, context.RequestAborted);
        }
        finally
        {
            if (!complete)
            {
                body.Dispose();
            }
        }

        return complete ? body : new RequestBody(TooLarge(limit));
    }

    /// <summary>Gives the buffer back to the pool.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Copies the body into the buffer as it arrives, growing it as needed; false once it passes <paramref name="limit"/>.</summary>
    private async Task<bool> FillAsync(PipeReader reader, long limit, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var received = result.Buffer;
            if (_length + received.Length > limit)
            {
                reader.AdvanceTo(received.End);
                return false;
            }

            Append(received);
            reader.AdvanceTo(received.End);
            if (result.IsCompleted)
            {
                return true;
            }

            if (result.IsCanceled)
            {
                throw new OperationCanceledException("Reading the request body was cancelled.", cancellationToken);
            }
        }
    }

    private void Append(in ReadOnlySequence<byte> received)
    {
        var needed = _length + (int)received.Length;
        if (needed > _buffer.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
            _buffer.AsSpan(0, _length).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = grown;
        }

        received.CopyTo(_buffer.AsSpan(_length));
        _length = needed;
    }

    private static bool IsJson(string contentType)
    {
        var mediaType = contentType.AsSpan();
        if (mediaType.IndexOf(';') is >= 0 and var end)
        {
            mediaType = mediaType[..end];
        }

        mediaType = mediaType.Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static IResult TooLarge(long limit) => Results.Problem(
        title: "Request body too large.",
        detail: $"A request body may be at most {limit} bytes (Api:MaxBodyBytes): send fewer transactions per request.",
        statusCode: StatusCodes.Status413PayloadTooLarge);
}
