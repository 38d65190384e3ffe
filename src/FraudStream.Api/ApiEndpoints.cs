using System.Text.Json;
using FraudStream.Core.Models;
using FraudStream.Core.Transactions;
using FraudStream.Registry;
using FraudStream.Registry.Stores;
using FraudStream.Serving;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FraudStream.Api;

/// <summary>The routes of `fraudstream api`: scoring, the model registry, health.</summary>
internal static partial class ApiEndpoints
{
    /// <summary>The JSON of answers: snake_case, as the transaction schema and the registry's files.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new FeatureContributionJson() },
    };

    private const string AnyMediaType = "*/*";

    // The registry's alias is read, changed and written by a rollback: one at a time in this process.
    private static readonly SemaphoreSlim s_rollback = new(1, 1);

    public static void Map(WebApplication app)
    {
        app.MapPost("/predict", PredictAsync)
            .RequireApiKey()
            .AcceptsJsonBody<TransactionRequest>()
            .Produces<Prediction>()
            .ProducesValidationProblem(StatusCodes.Status400BadRequest)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Scores one transaction with the production model.");
        app.MapPost("/predict/batch", PredictBatchAsync)
            .RequireApiKey()
            .AcceptsJsonBody<BatchRequest>()
            .Produces<BatchResponse>()
            .ProducesValidationProblem(StatusCodes.Status400BadRequest)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Scores up to Api:MaxBatchSize transactions with one model; answers in order.");
        app.MapGet("/model/versions", VersionsAsync)
            .RequireApiKey()
            .Produces<VersionsResponse>()
            .WithSummary("The registry's versions, newest first, and which is in production.");
        app.MapGet("/model/info/{version}", InfoAsync)
            .RequireApiKey()
            .Produces<ModelMetadata>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A version's metadata.");
        app.MapPost("/model/rollback", RollbackAsync)
            .RequireApiKey(admin: true)
            .Produces<RollbackResponse>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Puts the previous production version back in production and serves it at once (admin key).");
        app.MapGet("/health", (LiveModel live) => live.Version is { } version
                ? Results.Json(new HealthResponse("ready", version), Json)
                : Results.Json(new HealthResponse("not ready", null), Json, statusCode: StatusCodes.Status503ServiceUnavailable))
            .Produces<HealthResponse>()
            .WithSummary("Live and ready: 200 once a model is loaded, 503 before.");
    }

    /// <summary>
    /// Declares a JSON body of <typeparamref name="T"/> for the OpenAPI document. Routing is also told it accepts any
    /// media type: its own 415 would come before the key check and with no body; ReadBodyAsync answers 415 instead.
    /// </summary>
    private static RouteHandlerBuilder AcceptsJsonBody<T>(this RouteHandlerBuilder builder)
        where T : notnull => builder.Accepts<T>("application/json", AnyMediaType);

    /// <summary>Drops the any-media-type entry <see cref="AcceptsJsonBody"/> gives routing from the OpenAPI document.</summary>
    public static void DescribeJsonBodies(OpenApiOptions options) =>
        options.AddOperationTransformer((operation, _, _) =>
        {
            operation.RequestBody?.Content?.Remove(AnyMediaType);
            return Task.CompletedTask;
        });

    private static async Task<IResult> PredictAsync(HttpContext context, TransactionPredictor predictor, IOptions<ApiOptions> options)
    {
        // Disposed after the document, which reads the body's pooled buffer.
        using var body = await RequestBody.ReadAsync(context, options.Value.MaxBodyBytes);
        if (body.Refusal is { } refusal)
        {
            return refusal;
        }

        var errors = new RequestErrors();
        using var document = TransactionJson.Parse(body.Memory, errors);
        if (document is null || TransactionJson.Read(document.RootElement, "", errors) is not { } transaction)
        {
            return Invalid(errors);
        }

        return predictor.Predict([transaction]) is { } predictions ? new PredictionJson(predictions[0]) : NoModel();
    }

    private static async Task<IResult> PredictBatchAsync(HttpContext context, TransactionPredictor predictor, IOptions<ApiOptions> options)
    {
        var limit = options.Value.MaxBatchSize;
        // Disposed after the document, which reads the body's pooled buffer.
        using var body = await RequestBody.ReadAsync(context, options.Value.MaxBodyBytes);
        if (body.Refusal is { } refusal)
        {
            return refusal;
        }

        var errors = new RequestErrors();
        using var document = TransactionJson.Parse(body.Memory, errors);
        if (document is null)
        {
            return Invalid(errors);
        }

        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Malformed("body", $"must be a JSON object {{\"transactions\": [...]}}, not {TransactionJson.Describe(root.ValueKind)}.");
            return Invalid(errors);
        }

        if (!root.TryGetProperty("transactions", out var items))
        {
            errors.Invalid("transactions", "is required: an array of transactions.");
            return Invalid(errors);
        }

        if (items.ValueKind != JsonValueKind.Array)
        {
            errors.Malformed("transactions", $"must be an array of transactions, not {TransactionJson.Describe(items.ValueKind)}.");
            return Invalid(errors);
        }

        var count = items.GetArrayLength();
        if (count > limit)
        {
            return Results.Problem(
                title: "Batch too large.",
                detail: $"A batch holds at most {limit} transactions (Api:MaxBatchSize); this one has {count}: split it.",
                statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        var transactions = new List<Transaction>(count);
        var index = 0;
        foreach (var item in items.EnumerateArray())
        {
            if (TransactionJson.Read(item, $"transactions[{index}].", errors) is { } transaction)
            {
                transactions.Add(transaction);
            }

            index++;
        }

        if (errors.Any)
        {
            return Invalid(errors);
        }

        if (predictor.Predict(transactions) is not { } predictions)
        {
            return NoModel();
        }

        var version = predictions.Count > 0 ? predictions[0].ModelVersion : context.RequestServices.GetRequiredService<LiveModel>().Version ?? "";
        return Results.Json(new BatchResponse(version, predictions), Json);
    }

    private static async Task<IResult> VersionsAsync(ModelRegistry registry, LiveModel live, CancellationToken cancellationToken)
    {
        try
        {
            var versions = await registry.ListVersionsAsync(cancellationToken);
            var production = await registry.GetProductionAsync(cancellationToken);
            return Results.Json(
                new VersionsResponse(
                    production?.Version,
                    live.Version,
                    production?.Previous ?? [],
                    [.. versions.Select(v => new VersionEntry(v, v == production?.Version))]),
                Json);
        }
        catch (ModelRegistryException e)
        {
            return RegistryProblem(e, registry);
        }
    }

    private static async Task<IResult> InfoAsync(string version, ModelRegistry registry, CancellationToken cancellationToken)
    {
        if (!ModelVersion.IsValid(version))
        {
            return Results.Problem(
                title: "Not a model version.",
                detail: $"'{Truncate(version)}' is not a model version: versions are the UTC publish time as YYYYMMDD_HHMMSS, e.g. 20260314_093000.",
                statusCode: StatusCodes.Status400BadRequest);
        }

        try
        {
            return Results.Json(await registry.GetMetadataAsync(version, cancellationToken), ModelMetadata.JsonOptions);
        }
        catch (ModelRegistryException e)
        {
            return RegistryProblem(e, registry);
        }
    }

    private static async Task<IResult> RollbackAsync(
        ModelRegistry registry, ProductionModelFollower follower, LiveModel live, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        await s_rollback.WaitAsync(cancellationToken);
        try
        {
            var alias = await registry.RollbackAsync(cancellationToken);
            LogRolledBack(loggers.CreateLogger(typeof(ApiEndpoints).FullName!), alias.Version);
            // Load it now rather than at the next poll, so the answer (and the next /predict) already uses it.
            await follower.CheckNowAsync(cancellationToken);
            return Results.Json(new RollbackResponse(alias.Version, live.Version, alias.Previous), Json);
        }
        catch (ModelRegistryException e)
        {
            return RegistryProblem(e, registry);
        }
        finally
        {
            s_rollback.Release();
        }
    }

    private static IResult Invalid(RequestErrors errors) => Results.ValidationProblem(
        errors.ToDictionary(),
        title: errors.IsMalformed ? "The request body is malformed." : "The request holds values that cannot be a transaction.",
        statusCode: errors.StatusCode);

    private static IResult NoModel() => Results.Problem(
        title: "No model loaded.",
        detail: "No production model is loaded yet: train one (fraudstream train) or promote a version (fraudstream models promote), then retry.",
        statusCode: StatusCodes.Status503ServiceUnavailable);

    private static IResult RegistryProblem(ModelRegistryException e, ModelRegistry registry)
    {
        // Messages name the store for the operator ("local model directory /srv/..."); a client is not told where it is.
        var detail = e.Message.Replace(registry.Store.Description, "model registry", StringComparison.Ordinal);
        return e switch
        {
            ModelNotFoundException => Results.Problem(title: "Model version not found.", detail: detail, statusCode: StatusCodes.Status404NotFound),
            // Its message carries the store's own error (file paths, bucket names): the log has it, the client a retry hint.
            ModelStoreUnavailableException => Results.Problem(
                title: "Model registry unavailable.", detail: "The model registry cannot be read right now; retry later.", statusCode: StatusCodes.Status503ServiceUnavailable),
            ModelRefusedException => Results.Problem(title: "Model version cannot be served.", detail: detail, statusCode: StatusCodes.Status502BadGateway),
            _ => Results.Problem(title: "Model registry refused.", detail: detail, statusCode: StatusCodes.Status409Conflict),
        };
    }

    /// <summary>The first 64 characters of <paramref name="text"/>, for messages that quote what a client sent.</summary>
    public static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "...";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rolled the production model back to {Version} (POST /model/rollback).")]
    private static partial void LogRolledBack(ILogger logger, string version);
}
