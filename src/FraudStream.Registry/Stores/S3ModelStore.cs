using System.Net;
using System.Runtime.InteropServices;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace FraudStream.Registry.Stores;

/// <summary>A model store in an S3 bucket (AWS, MinIO, s3rver), retrying transient failures with bounded exponential backoff.</summary>
/// <remarks>
/// Polly is the only retry layer: the SDK's own retries are off (<c>MaxErrorRetry = 0</c>), so an attempt here is one
/// HTTP request and the attempt count in errors and logs is what actually went over the wire. Only failures that may
/// pass by themselves are retried (5xx, throttling, timeouts, refused or reset connections); a 4xx answer is the
/// server's final word about this request (wrong bucket, bad credentials, no access) and fails at once.
/// </remarks>
public sealed partial class S3ModelStore : IModelStore, IDisposable
{
    private static readonly ResiliencePropertyKey<string> RequestDescription = new("fraudstream.registry.s3.request");

    private readonly IAmazonS3 _client;
    private readonly bool _ownsClient;
    private readonly string _bucket;
    private readonly string? _serviceUrl;
    private readonly TimeSpan _requestTimeout;
    private readonly string _keyPrefix;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger _logger;

    /// <summary>A store with its own S3 client configured from <paramref name="options"/> (see <see cref="CreateClient"/>).</summary>
    /// <exception cref="ArgumentException">An option cannot work (the message says which).</exception>
    public S3ModelStore(S3ModelStoreOptions options, ILogger? logger = null, TimeProvider? timeProvider = null)
        : this(CreateClient(options), ownsClient: true, options, logger, timeProvider)
    {
    }

    /// <summary>A store over a client the caller configured and disposes; give it <c>MaxErrorRetry = 0</c> (see <see cref="CreateClientConfig"/>).</summary>
    /// <exception cref="ArgumentException">An option cannot work (the message says which).</exception>
    public S3ModelStore(IAmazonS3 client, S3ModelStoreOptions options, ILogger? logger = null, TimeProvider? timeProvider = null)
        : this(client, ownsClient: false, options, logger, timeProvider)
    {
    }

    private S3ModelStore(IAmazonS3 client, bool ownsClient, S3ModelStoreOptions options, ILogger? logger, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _client = client;
        _ownsClient = ownsClient;
        _bucket = options.Bucket;
        _serviceUrl = options.ServiceUrl;
        _requestTimeout = options.RequestTimeout;
        _keyPrefix = options.Prefix.Length == 0 || options.Prefix.EndsWith('/') ? options.Prefix : options.Prefix + "/";
        _logger = logger ?? NullLogger.Instance;
        _pipeline = BuildPipeline(options, timeProvider ?? TimeProvider.System);
        Description = options.Describe();
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>
    /// The SDK configuration this store uses: endpoint, region, path style, the request timeout, no SDK retries, and
    /// checksums only where S3 requires them.
    /// </summary>
    /// <remarks>
    /// Uploads go without aws-chunked encoding (see <c>NewPutRequest</c>). Checksums are computed only where S3 requires
    /// them: AWSSDK 4 otherwise adds x-amz-checksum-crc32 / x-amz-sdk-checksum-algorithm headers to every PUT and
    /// x-amz-checksum-mode to every GET, which some S3-compatible servers reject; the registry checks every model's
    /// SHA-256 end to end anyway.
    /// </remarks>
    public static AmazonS3Config CreateClientConfig(S3ModelStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var config = new AmazonS3Config
        {
            MaxErrorRetry = 0,
            Timeout = options.RequestTimeout,
            ForcePathStyle = options.ForcePathStyle,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };

        if (options.ServiceUrl is not null)
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = options.Region ?? "us-east-1";
        }
        else if (options.Region is not null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        return config;
    }

    /// <summary>An S3 client for <paramref name="options"/>: explicit keys when set, otherwise the SDK's credential chain.</summary>
    public static IAmazonS3 CreateClient(S3ModelStoreOptions options)
    {
        var config = CreateClientConfig(options);
        return string.IsNullOrEmpty(options.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    /// <inheritdoc />
    public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        StoreKey.Validate(key);
        var s3Key = _keyPrefix + key;
        var segment = MemoryMarshal.TryGetArray(content, out var array) ? array : new ArraySegment<byte>(content.ToArray());
        return ExecuteAsync("PUT", s3Key, async token =>
        {
            using var body = new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false);
            await _client.PutObjectAsync(NewPutRequest(s3Key, body), token).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        StoreKey.Validate(key);
        ArgumentNullException.ThrowIfNull(content);
        if (!content.CanSeek)
        {
            // A retry has to send the body again, so a stream that cannot rewind is read once into memory.
            using var buffer = new MemoryStream();
            await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            await PutAsync(key, buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken).ConfigureAwait(false);
            return;
        }

        var s3Key = _keyPrefix + key;
        var start = content.Position;
        await ExecuteAsync("PUT", s3Key, async token =>
        {
            content.Position = start;
            var request = NewPutRequest(s3Key, content);
            request.AutoCloseStream = false;

            // The SDK would rewind to 0; the contract is "the rest of the stream", from where the caller left it.
            request.AutoResetStreamPosition = false;
            await _client.PutObjectAsync(request, token).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>One PutObject replaces an object atomically: readers get the old or the new object, never a part.</remarks>
    public Task PutAtomicAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        PutAsync(key, content, cancellationToken);

    /// <inheritdoc />
    public Task<byte[]?> TryGetAsync(string key, CancellationToken cancellationToken = default) =>
        TryGetAsync(key, Array.MaxLength, cancellationToken);

    /// <inheritdoc />
    public Task<byte[]?> TryGetAsync(string key, long maxBytes, CancellationToken cancellationToken = default)
    {
        StoreKey.Validate(key);
        var s3Key = _keyPrefix + key;
        return ExecuteAsync("GET", s3Key, async token =>
        {
            try
            {
                using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = s3Key }, token)
                    .ConfigureAwait(false);
                return await BlobTooLargeException.ReadBoundedAsync(response.ResponseStream, response.ContentLength, maxBytes, key, token)
                    .ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode == "NoSuchKey")
            {
                return (byte[]?)null;
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        StoreKey.ValidatePrefix(prefix);
        var s3Prefix = _keyPrefix + prefix;
        return ExecuteAsync<IReadOnlyList<string>>("LIST", s3Prefix, async token =>
        {
            var keys = new List<string>();
            var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = s3Prefix };
            ListObjectsV2Response response;
            do
            {
                response = await _client.ListObjectsV2Async(request, token).ConfigureAwait(false);
                foreach (var s3Object in response.S3Objects ?? [])
                {
                    keys.Add(s3Object.Key[_keyPrefix.Length..]);
                }

                request.ContinuationToken = response.NextContinuationToken;
            }
            while (response.IsTruncated == true && !string.IsNullOrEmpty(response.NextContinuationToken));

            keys.Sort(StringComparer.Ordinal);
            return keys;
        }, cancellationToken);
    }

    /// <summary>Disposes the S3 client when this store created it.</summary>
    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    private PutObjectRequest NewPutRequest(string s3Key, Stream body) => new()
    {
        BucketName = _bucket,
        Key = s3Key,
        InputStream = body,
        ContentType = ContentTypeOf(s3Key),

        // With chunk encoding the SDK sends the body as aws-chunked signed chunks over plain HTTP; s3rver 3.7 stores
        // that framing ("3d;chunk-signature=...") as the object. A plain body, its SHA-256 in the signature, works everywhere.
        UseChunkEncoding = false,
    };

    private async Task<T> ExecuteAsync<T>(string operation, string s3Key, Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        var attempts = 0;
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RequestDescription, $"{operation} '{s3Key}'");
        try
        {
            return await _pipeline.ExecuteAsync(
                async (ctx, _) =>
                {
                    attempts++;
                    return await request(ctx.CancellationToken).ConfigureAwait(false);
                },
                context,
                0).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (S3Failures.IsTransient(ex, cancellationToken))
        {
            throw new ModelStoreUnavailableException(
                $"The {Description} did not complete {operation} '{s3Key}' after {attempts} attempt(s) ({S3Failures.Describe(ex, _requestTimeout)}); "
                + "check that S3 is up and reachable there and that ServiceUrl and Region are right.",
                attempts,
                ex);
        }
        catch (AmazonServiceException ex)
        {
            throw new ModelStoreUnavailableException(RejectionMessage(operation, s3Key, ex), attempts, ex);
        }
        catch (AmazonClientException ex)
        {
            throw new ModelStoreUnavailableException(
                $"The S3 client could not send {operation} '{s3Key}' to the {Description} ({FirstSentence(ex.Message)}); "
                + "check the credentials (AccessKey/SecretKey, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or an AWS profile) and the Region.",
                attempts,
                ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private string RejectionMessage(string operation, string s3Key, AmazonServiceException ex)
    {
        var answer = $"{(int)ex.StatusCode} {ex.ErrorCode}: {ex.Message}";
        return ex switch
        {
            { StatusCode: HttpStatusCode.NotFound, ErrorCode: "NoSuchBucket" } =>
                $"The bucket '{_bucket}' does not exist at {_serviceUrl ?? "AWS S3"} ({answer}); create it or fix the Bucket setting.",
            { StatusCode: HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized } =>
                $"The {Description} refused {operation} '{s3Key}' ({answer}); check the access key and secret key, and that they may read and write the bucket.",
            _ =>
                $"The {Description} rejected {operation} '{s3Key}' ({answer}); check the bucket, prefix and endpoint settings.",
        };
    }

    private ResiliencePipeline BuildPipeline(S3ModelStoreOptions options, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        var maxAttempts = options.MaxAttempts;
        if (maxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = maxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } ex && S3Failures.IsTransient(ex, args.Context.CancellationToken)),
                OnRetry = args =>
                {
                    LogRetry(
                        _logger,
                        args.Context.Properties.GetValue(RequestDescription, "request"),
                        Description,
                        args.AttemptNumber + 1,
                        maxAttempts,
                        args.RetryDelay,
                        S3Failures.Describe(args.Outcome.Exception!, _requestTimeout));
                    return ValueTask.CompletedTask;
                },
            });
        }

        return builder.Build();
    }

    // The SDK's credential errors list every provider it tried, over many lines; the first sentence says what failed.
    private static string FirstSentence(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        var line = end < 0 ? message : message[..end];
        var period = line.IndexOf(". ", StringComparison.Ordinal);
        return (period < 0 ? line : line[..period]).TrimEnd('.', ' ', ':');
    }

    private static string ContentTypeOf(string key) => Path.GetExtension(key) switch
    {
        ".json" => "application/json",
        ".md" => "text/markdown; charset=utf-8",
        _ => "application/octet-stream",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "{Request} to the {Store} failed on attempt {Attempt} of {MaxAttempts} ({Error}); retrying in {Delay}")]
    private static partial void LogRetry(ILogger logger, string request, string store, int attempt, int maxAttempts, TimeSpan delay, string error);
}
