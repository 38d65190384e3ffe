using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace FraudStream.Avro.Registry;

/// <summary>
/// Confluent Schema Registry REST client: schemas cached per id; timeouts, connection errors and 5xx are retried
/// (then <see cref="SchemaRegistryUnavailableException"/>); a 404 for an id is a definitive <see cref="UnknownSchemaIdException"/>.
/// </summary>
public sealed partial class SchemaRegistryClient : ISchemaRegistry
{
    private const string MediaType = "application/vnd.schemaregistry.v1+json";

    private readonly HttpClient _http;
    private readonly Uri _baseUrl;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<int, AvroSchema> _schemas = new();

    public SchemaRegistryClient(HttpClient http, SchemaRegistryOptions options, ILogger<SchemaRegistryClient>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        var url = options.Url ?? throw new ArgumentException("SchemaRegistry:Url is not set: give the registry's base URL, e.g. http://schema-registry:8081.", nameof(options));
        _baseUrl = url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
        _logger = logger ?? NullLogger<SchemaRegistryClient>.Instance;
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider ?? TimeProvider.System };
        if (options.MaxRetryAttempts > 0)
        {
            pipeline.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .Handle<TransientRegistryResponseException>(),
                MaxRetryAttempts = options.MaxRetryAttempts,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    LogRetry(_logger, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message);
                    return ValueTask.CompletedTask;
                },
            });
        }

        _pipeline = pipeline.AddTimeout(options.RequestTimeout).Build();
    }

    /// <inheritdoc />
    public async Task<int> RegisterAsync(string subject, string schema, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentException.ThrowIfNullOrEmpty(schema);
        var parsed = AvroSchema.Parse(schema); // Refuse a bad schema here, with our message, before the registry does.
        var body = JsonSerializer.Serialize(new Dictionary<string, string> { ["schema"] = schema });
        var path = $"subjects/{Uri.EscapeDataString(subject)}/versions";
        using var document = await SendAsync(HttpMethod.Post, path, body, null, cancellationToken).ConfigureAwait(false);
        var id = document.RootElement.GetProperty("id").GetInt32();
        _schemas.TryAdd(id, parsed);
        return id;
    }

    /// <inheritdoc />
    public ValueTask<AvroSchema> GetSchemaAsync(int id, CancellationToken cancellationToken = default) =>
        _schemas.TryGetValue(id, out var cached) ? ValueTask.FromResult(cached) : new ValueTask<AvroSchema>(FetchAsync(id, cancellationToken));

    private async Task<AvroSchema> FetchAsync(int id, CancellationToken cancellationToken)
    {
        using var document = await SendAsync(HttpMethod.Get, $"schemas/ids/{id.ToString(CultureInfo.InvariantCulture)}", null, id, cancellationToken).ConfigureAwait(false);
        var root = document.RootElement;
        if (root.TryGetProperty("schemaType", out var type) && type.GetString() is { } schemaType && schemaType != "AVRO")
        {
            throw new SchemaRegistryException($"Schema {id} is a {schemaType} schema, not Avro.");
        }

        var schema = AvroSchema.Parse(root.GetProperty("schema").GetString() ?? string.Empty);

        // One instance per id, so callers can cache per-schema work (resolution plans) by reference.
        return _schemas.GetOrAdd(id, schema);
    }

    private async Task<JsonDocument> SendAsync(HttpMethod method, string path, string? body, int? schemaId, CancellationToken cancellationToken)
    {
        var uri = new Uri(_baseUrl, path);
        try
        {
            return await _pipeline.ExecuteAsync(
                async token =>
                {
                    using var request = new HttpRequestMessage(method, uri);
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(MediaType));
                    if (body is not null)
                    {
                        request.Content = new StringContent(body, Encoding.UTF8, MediaType);
                        request.Content.Headers.ContentType = new MediaTypeHeaderValue(MediaType);
                    }

                    using var response = await _http.SendAsync(request, token).ConfigureAwait(false);
                    var text = await response.Content.ReadAsStringAsync(token).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        return JsonDocument.Parse(text);
                    }

                    var status = (int)response.StatusCode;
                    var (errorCode, message) = ParseError(text);
                    if (status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
                    {
                        throw new TransientRegistryResponseException($"{method} {uri} answered {status}: {message}");
                    }

                    if (schemaId is { } id && response.StatusCode == HttpStatusCode.NotFound)
                    {
                        throw new UnknownSchemaIdException(id, $"The Schema Registry at {_baseUrl} has no schema with id {id} (error_code {errorCode}: {message}).");
                    }

                    throw new SchemaRegistryException($"{method} {uri} was refused with {status} (error_code {errorCode}): {message}", status, errorCode);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException or TransientRegistryResponseException)
        {
            throw new SchemaRegistryUnavailableException($"The Schema Registry at {_baseUrl} is unavailable ({e.Message}); retry later.", e);
        }
    }

    private static (int ErrorCode, string Message) ParseError(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            var code = root.TryGetProperty("error_code", out var c) && c.TryGetInt32(out var n) ? n : 0;
            var message = root.TryGetProperty("message", out var m) ? m.GetString() ?? string.Empty : text;
            return (code, message);
        }
        catch (JsonException)
        {
            return (0, text.Length > 200 ? text[..200] : text);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schema Registry request failed; retry {Attempt} in {Delay}: {Reason}")]
    private static partial void LogRetry(ILogger logger, int attempt, TimeSpan delay, string? reason);

    private sealed class TransientRegistryResponseException(string message) : Exception(message);
}
