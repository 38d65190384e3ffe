using FraudStream.Serving;
using FraudStream.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using BadHttpRequestException = Microsoft.AspNetCore.Http.BadHttpRequestException;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FraudStream.Api;

/// <summary>
/// The /predict service (`fraudstream api`): <see cref="AddPredictionApi"/> registers it, <see cref="MapPredictionApi"/>
/// maps its request pipeline and routes; the host adds a <c>ModelRegistry</c> and serves it with Kestrel.
/// </summary>
public static partial class ApiHost
{
    /// <summary>The API's services: model serving as the scorer has it, keys, limits, metrics, OpenAPI, the operations endpoints.</summary>
    /// <exception cref="ArgumentException">The OTLP settings cannot work (one sentence).</exception>
    public static IServiceCollection AddPredictionApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModelServing();
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateOnStart();
        services.AddOptions<ModelFollowerOptions>().PostConfigure<IOptions<ApiOptions>>((model, api) => model.FollowChallenger = api.Value.MirrorChallenger);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApiOptions>, ApiOptionsValidator>());
        services.AddSingleton<ApiKeyring>();
        services.AddSingleton<ApiMetrics>();
        services.AddSingleton<TransactionPredictor>();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = ApiEndpoints.Json.PropertyNamingPolicy);
        services.AddOpenApi(options =>
        {
            ApiAccess.DescribeKeys(options);
            ApiEndpoints.DescribeJsonBodies(options);
            DescribeServer(options);
        });
        services.AddOutputCache();
        services.AddProblemDetails();
        ApiAccess.AddServices(services);

        // The scorer's operations endpoints, over the model's and the API's meters; each request a span when tracing is on.
        services.AddOperations(
            configuration,
            new TelemetrySources("fraudstream-api", [ModelMetrics.MeterName, ApiMetrics.MeterName], ActivitySources: [], TraceRequests: true),
            ready: provider =>
            {
                var live = provider.GetRequiredService<LiveModel>();
                return new ReadinessReport(live.Version is not null, new Dictionary<string, object?> { ["model_version"] = live.Version });
            });
        return services;
    }

    /// <summary>The request pipeline and every route: metrics and error answers outermost, then keys, rate limits, endpoints.</summary>
    public static WebApplication MapPredictionApi(this WebApplication app)
    {
        UseRequestObservation(app);

        // Answers the framework gives without a body (routing's 404 and 405) become problem+json like every other error.
        app.UseStatusCodePages();
        app.UseRouting();
        ApiAccess.UseApiKeys(app);
        app.UseRateLimiter();
        app.UseOutputCache();

        ApiEndpoints.Map(app);

        // The document depends on the build and the settings only (DescribeServer): built once, served from the cache,
        // whatever Host header a request carries.
        app.MapOpenApi()
            .RequireRateLimiting(ApiAccess.PerAddressPolicy)
            .CacheOutput(policy => policy.Expire(TimeSpan.FromDays(365)).SetVaryByHost(false));
        app.MapOperations();
        return app;
    }

    /// <summary>
    /// The document's one server: Api:Url when it names a host and port clients can use, else "/" (the document's own
    /// origin). Never the request's Host header, which a client chooses and a shared cache would hand to everyone.
    /// </summary>
    private static void DescribeServer(OpenApiOptions options) =>
        options.AddDocumentTransformer((document, context, _) =>
        {
            var url = context.ApplicationServices.GetRequiredService<IOptions<ApiOptions>>().Value.Url;
            var usable = Uri.TryCreate(url, UriKind.Absolute, out var uri)
                && uri.Port != 0
                && uri.Host is not ("0.0.0.0" or "[::]" or "*" or "+" or "localhost");
            document.Servers = [new OpenApiServer { Url = usable ? uri!.GetLeftPart(UriPartial.Authority) : "/" }];
            return Task.CompletedTask;
        });

    /// <summary>
    /// Counts and times every request by route and status, and turns what escapes the endpoints into problem answers:
    /// a request Kestrel refuses (body too large, bad framing) gets its own status, never a 500.
    /// </summary>
    private static void UseRequestObservation(WebApplication app)
    {
        var metrics = app.Services.GetRequiredService<ApiMetrics>();
        var time = app.Services.GetRequiredService<TimeProvider>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiHost).FullName!);
        app.Use(async (context, next) =>
        {
            var started = time.GetTimestamp();
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await Results.Problem(title: "Bad request.", detail: e.Message, statusCode: e.StatusCode).ExecuteAsync(context);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away: nobody reads an answer.
            }
            catch (Exception e) when (!context.Response.HasStarted)
            {
                LogUnhandled(logger, e, context.Request.Path);
                context.Response.Clear();
                await Results.Problem(
                    title: "Internal error.", detail: "The API failed on this request; its log says why.", statusCode: StatusCodes.Status500InternalServerError)
                    .ExecuteAsync(context);
            }
            finally
            {
                var route = (context.GetEndpoint() as Microsoft.AspNetCore.Routing.RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
                metrics.Request(route, context.Response.StatusCode, time.GetElapsedTime(started).TotalSeconds);
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {Path} failed.")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, PathString path);
}
