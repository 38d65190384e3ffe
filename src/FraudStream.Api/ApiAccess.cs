using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace FraudStream.Api;

/// <summary>Endpoint metadata: the endpoint needs an X-API-Key, an admin one when <see cref="Admin"/>.</summary>
internal sealed record ApiKeyRequirement(bool Admin)
{
    public static ApiKeyRequirement AnyKey { get; } = new(Admin: false);

    public static ApiKeyRequirement AdminKey { get; } = new(Admin: true);
}

/// <summary>API keys and per-key rate limits: who may call what, and how often.</summary>
internal static class ApiAccess
{
    /// <summary>The header that carries the key.</summary>
    public const string KeyHeader = "X-API-Key";

    /// <summary>The rate-limiting policy of keyed endpoints.</summary>
    public const string PerKeyPolicy = "per-key";

    /// <summary>The rate-limiting policy of the keyless OpenAPI document, per client address.</summary>
    public const string PerAddressPolicy = "per-address";

    /// <summary>The OpenAPI name of the key scheme.</summary>
    public const string SecuritySchemeName = "ApiKey";

    /// <summary>
    /// Describes the key in the OpenAPI document: an apiKey scheme in the X-API-Key header, required by every operation
    /// whose endpoint carries an <see cref="ApiKeyRequirement"/> (admin ones say so in their description).
    /// </summary>
    public static void DescribeKeys(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[SecuritySchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = KeyHeader,
                Description = "An API key from Api:Keys (or Api:AdminKeys for admin operations), the environment or Api:KeysFile.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var requirement = context.Description.ActionDescriptor.EndpointMetadata.OfType<ApiKeyRequirement>().LastOrDefault();
            if (requirement is null)
            {
                return Task.CompletedTask;
            }

            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecuritySchemeName, context.Document)] = [] });
            if (requirement.Admin)
            {
                operation.Description = string.IsNullOrEmpty(operation.Description) ? "Needs an admin key." : operation.Description + " Needs an admin key.";
            }

            return Task.CompletedTask;
        });
    }

    /// <summary>Registers the per-key token buckets (Api:RequestsPerSecond each).</summary>
    public static void AddServices(IServiceCollection services)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(PerKeyPolicy, context =>
            {
                // Authentication runs first, so only known callers get a bucket: unknown keys cannot grow the partitions.
                var caller = context.Items[typeof(ApiCaller)] as ApiCaller;
                var perSecond = context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.RequestsPerSecond;
                return RateLimitPartition.GetTokenBucketLimiter(caller?.Name ?? "anonymous", _ => Bucket(perSecond));
            });
            limiter.AddPolicy(PerAddressPolicy, context =>
            {
                // Without a key anyone can ask: a bucket per client address keeps one client from taking the keyed clients' CPU.
                var perSecond = context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.AnonymousRequestsPerSecond;
                return RateLimitPartition.GetTokenBucketLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => Bucket(perSecond));
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var options = rejected.HttpContext.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value;
                var keyed = rejected.HttpContext.Items.ContainsKey(typeof(ApiCaller));
                rejected.HttpContext.Response.Headers.RetryAfter = "1";
                await Results.Problem(
                    title: "Too many requests.",
                    detail: keyed
                        ? $"This API key may make {options.RequestsPerSecond} requests per second (Api:RequestsPerSecond): slow down and retry."
                        : $"A client without a key may make {options.AnonymousRequestsPerSecond} requests per second here (Api:AnonymousRequestsPerSecond): slow down and retry.",
                    statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(rejected.HttpContext);
            };
        });
    }

    /// <summary>A bucket of <paramref name="perSecond"/> tokens refilled every second: that rate, and a burst of that size.</summary>
    private static TokenBucketRateLimiterOptions Bucket(int perSecond) => new()
    {
        TokenLimit = perSecond,
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>Checks X-API-Key on endpoints that carry an <see cref="ApiKeyRequirement"/>: 401 without a known key, 403 for a non-admin on admin endpoints.</summary>
    public static void UseApiKeys(WebApplication app)
    {
        // Resolved per request (a singleton): resolving it while mapping would read the keys before the settings are checked.
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<ApiKeyRequirement>() is not { } requirement)
            {
                await next(context);
                return;
            }

            var presented = context.Request.Headers[KeyHeader];
            var caller = presented.Count == 1 ? Identify(context, presented[0]) : null;
            if (caller is null)
            {
                context.Response.Headers.WWWAuthenticate = $"ApiKey header=\"{KeyHeader}\"";
                await Results.Problem(
                    title: "Unauthorized.",
                    detail: presented.Count == 0
                        ? $"Send an API key in the {KeyHeader} header."
                        : $"The {KeyHeader} header does not carry a known API key.",
                    statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context);
                return;
            }

            if (requirement.Admin && !caller.IsAdmin)
            {
                await Results.Problem(
                    title: "Forbidden.",
                    detail: "This endpoint needs an admin API key (Api:AdminKeys, or an 'admin ' line in Api:KeysFile).",
                    statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(context);
                return;
            }

            context.Items[typeof(ApiCaller)] = caller;
            await next(context);
        });
    }

    /// <summary>
    /// The caller <paramref name="presented"/> belongs to. A keep-alive connection presents the same key on every
    /// request, so the connection remembers the key it last proved and the next request presenting exactly that key
    /// (compared in constant time) skips the keyring's hash; any other key is hashed and checked as always. Only
    /// HTTP/1.x connections remember: they carry one request at a time, and the connection's items are not safe to
    /// share between the concurrent streams of an HTTP/2 connection.
    /// </summary>
    private static ApiCaller? Identify(HttpContext context, string? presented)
    {
        var oneAtATime = HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol);
        var connection = oneAtATime ? context.Features.Get<IConnectionItemsFeature>()?.Items : null;
        if (presented is not null && connection is not null && connection.TryGetValue(typeof(ProvenKey), out var remembered)
            && remembered is ProvenKey proven && proven.Matches(presented))
        {
            return proven.Caller;
        }

        var caller = context.RequestServices.GetRequiredService<ApiKeyring>().Identify(presented);
        if (caller is not null && connection is not null)
        {
            connection[typeof(ProvenKey)] = new ProvenKey(presented!, caller);
        }

        return caller;
    }

    /// <summary>Marks endpoints as needing a key (an admin one when <paramref name="admin"/>) and rate-limited per key.</summary>
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder, bool admin = false)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(admin ? ApiKeyRequirement.AdminKey : ApiKeyRequirement.AnyKey).RequireRateLimiting(PerKeyPolicy);
}

/// <summary>
/// A key this connection has presented and the keyring has identified, with its caller. A class, not a record: a
/// record's generated ToString would print the key.
/// </summary>
internal sealed class ProvenKey(string key, ApiCaller caller)
{
    /// <summary>Who the key belongs to.</summary>
    public ApiCaller Caller { get; } = caller;

    /// <summary>Whether <paramref name="presented"/> is this key, in time that does not depend on where they differ.</summary>
    public bool Matches(string presented) =>
        CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(key.AsSpan()), MemoryMarshal.AsBytes(presented.AsSpan()));
}
