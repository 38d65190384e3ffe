namespace FraudStream.Registry.Stores;

/// <summary>Where and how <see cref="S3ModelStore"/> reaches its bucket, and how hard it retries.</summary>
public sealed class S3ModelStoreOptions
{
    /// <summary>The bucket holding the registry; required.</summary>
    public string Bucket { get; set; } = "";

    /// <summary>Key prefix inside the bucket (e.g. "fraudstream/"); empty keeps the registry at the bucket root.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>Endpoint override for S3-compatible servers (MinIO, s3rver), e.g. "http://127.0.0.1:9000"; null for AWS.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>AWS region (e.g. "eu-west-1"); null uses the SDK's usual lookup (AWS_REGION, profile), or us-east-1 with <see cref="ServiceUrl"/>.</summary>
    public string? Region { get; set; }

    /// <summary>Path-style addressing (http://host/bucket/key), which S3-compatible servers usually need.</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>Access key id; with <see cref="SecretKey"/> it overrides the SDK's credential chain (environment, profiles, instance roles).</summary>
    public string? AccessKey { get; set; }

    /// <summary>Secret access key, set together with <see cref="AccessKey"/>.</summary>
    public string? SecretKey { get; set; }

    /// <summary>How many times a request is sent before the store gives up on a transient failure, the first try included.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Delay before the first retry; each further retry doubles it (with jitter) up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest delay between two attempts.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one request may take (connect, send, answer) before it counts as a transient failure.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the store is, in words for messages: the endpoint or region and the bucket.</summary>
    public string Describe()
    {
        var where = ServiceUrl ?? (Region is null ? "AWS S3 (default region)" : $"AWS S3 region {Region}");
        var prefix = Prefix.Length == 0 ? "" : $", prefix '{Prefix}'";
        return $"S3 model store at {where} (bucket '{Bucket}'{prefix})";
    }

    /// <summary>Throws <see cref="ArgumentException"/> with one clear sentence when a setting cannot work.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Bucket))
        {
            throw new ArgumentException("The S3 model store needs a bucket: set Bucket to the name of an existing bucket.");
        }

        if (ServiceUrl is not null
            && (!Uri.TryCreate(ServiceUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            throw new ArgumentException($"The S3 ServiceUrl '{ServiceUrl}' is not an absolute http:// or https:// address, e.g. http://127.0.0.1:9000.");
        }

        if (string.IsNullOrEmpty(AccessKey) != string.IsNullOrEmpty(SecretKey))
        {
            throw new ArgumentException("Set both AccessKey and SecretKey for the S3 model store, or neither to use the SDK's credential chain.");
        }

        if (Prefix.Length > 0)
        {
            StoreKey.ValidatePrefix(Prefix, nameof(Prefix));
        }

        if (MaxAttempts is < 1 or > 20)
        {
            throw new ArgumentException($"MaxAttempts of the S3 model store must be between 1 and 20, not {MaxAttempts}.");
        }

        if (RetryBaseDelay < TimeSpan.Zero || MaxRetryDelay < RetryBaseDelay)
        {
            throw new ArgumentException($"The S3 retry delays must satisfy 0 <= RetryBaseDelay <= MaxRetryDelay, not {RetryBaseDelay} and {MaxRetryDelay}.");
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"RequestTimeout of the S3 model store must be positive, not {RequestTimeout}.");
        }
    }
}
