using System.ComponentModel.DataAnnotations;
using Confluent.SchemaRegistry;

namespace FraudStream.Avro.Registry;

/// <summary>How to reach the Schema Registry (configuration section <c>SchemaRegistry</c>); auth and TLS go to Confluent's client as they are.</summary>
public sealed class SchemaRegistryOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "SchemaRegistry";

    /// <summary>Base URL, e.g. <c>http://schema-registry:8081</c>.</summary>
    [Required]
    public Uri? Url { get; set; }

    /// <summary>Time limit for one HTTP attempt (at least 10 ms).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries after the first attempt, for timeouts, connection errors and 5xx/408/429 answers.</summary>
    [Range(0, 20)]
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>First retry delay; doubles on each retry (with jitter).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Where basic-auth credentials come from: <c>UserInfo</c> (the default when <see cref="BasicAuthUserInfo"/> is set).</summary>
    public AuthCredentialsSource? BasicAuthCredentialsSource { get; set; }

    /// <summary>Basic-auth credentials, <c>user:password</c>.</summary>
    public string? BasicAuthUserInfo { get; set; }

    /// <summary>Where the bearer token comes from: <c>StaticToken</c> (<see cref="BearerAuthToken"/>) or <c>OAuthBearer</c> (client credentials at <see cref="BearerAuthTokenEndpointUrl"/>).</summary>
    public BearerAuthCredentialsSource? BearerAuthCredentialsSource { get; set; }

    /// <summary>The static bearer token.</summary>
    public string? BearerAuthToken { get; set; }

    /// <summary>The registry's logical cluster id (Confluent Cloud: <c>lsrc-...</c>), sent with every bearer-authenticated request.</summary>
    public string? BearerAuthLogicalCluster { get; set; }

    /// <summary>The identity pool id (Confluent Cloud), sent with every bearer-authenticated request.</summary>
    public string? BearerAuthIdentityPoolId { get; set; }

    /// <summary>OAuth client id.</summary>
    public string? BearerAuthClientId { get; set; }

    /// <summary>OAuth client secret.</summary>
    public string? BearerAuthClientSecret { get; set; }

    /// <summary>OAuth scope.</summary>
    public string? BearerAuthScope { get; set; }

    /// <summary>OAuth token endpoint.</summary>
    public Uri? BearerAuthTokenEndpointUrl { get; set; }

    /// <summary>CA certificate (PEM) that signed the registry's certificate, when it is not in the system store.</summary>
    public string? SslCaLocation { get; set; }

    /// <summary>Client certificate and key (PKCS#12) for mutual TLS.</summary>
    public string? SslKeystoreLocation { get; set; }

    /// <summary>The PKCS#12 file's password.</summary>
    public string? SslKeystorePassword { get; set; }

    /// <summary>Verify the registry's certificate (default true); false only for a test set-up.</summary>
    public bool EnableSslCertificateVerification { get; set; } = true;

    /// <summary>The first setting that cannot work, as one sentence saying what to fix; null when they all can.</summary>
    public string? Problem()
    {
        const string Section = SectionName + ":";
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true))
        {
            return $"{Section}{results[0].MemberNames.FirstOrDefault()}: {results[0].ErrorMessage}";
        }

        var basic = BasicAuthCredentialsSource is not null || BasicAuthUserInfo is not null;
        var bearer = BearerAuthCredentialsSource is not null;
        return (basic, bearer) switch
        {
            (true, true) => $"{Section}BasicAuth* and {Section}BearerAuth* are both set: keep one way to authenticate.",
            (true, _) when BasicAuthCredentialsSource is Confluent.SchemaRegistry.AuthCredentialsSource.SaslInherit =>
                $"{Section}BasicAuthCredentialsSource SaslInherit is not supported (this section does not see the Kafka credentials): use UserInfo with {Section}BasicAuthUserInfo.",
            (true, _) when BasicAuthUserInfo is null || BasicAuthUserInfo.IndexOf(':', StringComparison.Ordinal) <= 0 =>
                $"{Section}BasicAuthUserInfo must be user:password.",
            (_, true) when BearerAuthCredentialsSource is Confluent.SchemaRegistry.BearerAuthCredentialsSource.StaticToken && string.IsNullOrEmpty(BearerAuthToken) =>
                $"{Section}BearerAuthCredentialsSource is StaticToken: set {Section}BearerAuthToken.",
            (_, true) when BearerAuthCredentialsSource is Confluent.SchemaRegistry.BearerAuthCredentialsSource.OAuthBearer
                && (string.IsNullOrEmpty(BearerAuthClientId) || string.IsNullOrEmpty(BearerAuthClientSecret) || string.IsNullOrEmpty(BearerAuthScope) || BearerAuthTokenEndpointUrl is null) =>
                $"{Section}BearerAuthCredentialsSource is OAuthBearer: set {Section}BearerAuthClientId, BearerAuthClientSecret, BearerAuthScope and BearerAuthTokenEndpointUrl.",
            (_, true) when BearerAuthCredentialsSource is not (Confluent.SchemaRegistry.BearerAuthCredentialsSource.StaticToken or Confluent.SchemaRegistry.BearerAuthCredentialsSource.OAuthBearer) =>
                $"{Section}BearerAuthCredentialsSource must be StaticToken or OAuthBearer.",
            (_, true) when string.IsNullOrEmpty(BearerAuthLogicalCluster) =>
                $"{Section}BearerAuthCredentialsSource is set: set {Section}BearerAuthLogicalCluster too (Confluent's client sends it with the token).",
            _ when SslCaLocation is not null && !File.Exists(SslCaLocation) => $"{Section}SslCaLocation '{SslCaLocation}' is not a file: name the CA certificate (PEM).",
            _ when SslKeystoreLocation is not null && !File.Exists(SslKeystoreLocation) => $"{Section}SslKeystoreLocation '{SslKeystoreLocation}' is not a file: name the client's PKCS#12 keystore.",
            _ when SslKeystorePassword is not null && SslKeystoreLocation is null => $"{Section}SslKeystorePassword is set without {Section}SslKeystoreLocation: name the keystore too.",
            _ => null,
        };
    }

    /// <summary>Confluent's client configuration: one attempt per call (the retries are ours), auth and TLS as given.</summary>
    public SchemaRegistryConfig ToConfluentConfig()
    {
        var url = Url ?? throw new InvalidOperationException($"{SectionName}:Url is not set: give the registry's base URL, e.g. http://schema-registry:8081.");
        var config = new SchemaRegistryConfig
        {
            Url = url.AbsoluteUri.TrimEnd('/'),

            RequestTimeoutMs = (int)RequestTimeout.TotalMilliseconds,

            // Confluent's client retries only error statuses, not timeouts or refused connections: ours retries all three.
            MaxRetries = 1,
            EnableSslCertificateVerification = EnableSslCertificateVerification,
        };
        Set(config, SchemaRegistryConfig.PropertyNames.SchemaRegistryBasicAuthCredentialsSource, BasicAuthUserInfo is null ? null : "USER_INFO");
        Set(config, SchemaRegistryConfig.PropertyNames.SchemaRegistryBasicAuthUserInfo, BasicAuthUserInfo);
        Set(config, SchemaRegistryConfig.PropertyNames.SchemaRegistryBearerAuthCredentialsSource, BearerAuthCredentialsSource switch
        {
            Confluent.SchemaRegistry.BearerAuthCredentialsSource.StaticToken => "STATIC_TOKEN",
            Confluent.SchemaRegistry.BearerAuthCredentialsSource.OAuthBearer => "OAUTHBEARER",
            _ => null,
        });
        Set(config, SchemaRegistryConfig.PropertyNames.SchemaRegistryBearerAuthToken, BearerAuthToken);
        Set(config, SchemaRegistryConfig.PropertyNames.SchemaRegistryBearerAuthLogicalCluster, BearerAuthLogicalCluster);
        Set(config, SchemaRegistryConfig.PropertyNames.SchemaRegistryBearerAuthIdentityPoolId, BearerAuthIdentityPoolId);
        Set(config, SchemaRegistryConfig.PropertyNames.SchemaRegistryBearerAuthClientId, BearerAuthClientId);
        Set(config, SchemaRegistryConfig.PropertyNames.SchemaRegistryBearerAuthClientSecret, BearerAuthClientSecret);
        Set(config, SchemaRegistryConfig.PropertyNames.SchemaRegistryBearerAuthScope, BearerAuthScope);
        Set(config, SchemaRegistryConfig.PropertyNames.SchemaRegistryBearerAuthTokenEndpointUrl, BearerAuthTokenEndpointUrl?.AbsoluteUri);
        Set(config, SchemaRegistryConfig.PropertyNames.SslCaLocation, SslCaLocation);
        Set(config, SchemaRegistryConfig.PropertyNames.SslKeystoreLocation, SslKeystoreLocation);
        Set(config, SchemaRegistryConfig.PropertyNames.SslKeystorePassword, SslKeystorePassword);
        return config;
    }

    private static void Set(SchemaRegistryConfig config, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            config.Set(key, value);
        }
    }
}
