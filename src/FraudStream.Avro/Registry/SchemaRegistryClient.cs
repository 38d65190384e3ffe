using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using ConfluentRegistry = Confluent.SchemaRegistry;

namespace FraudStream.Avro.Registry;

/// <summary>
/// Confluent Schema Registry through Confluent's <see cref="ConfluentRegistry.CachedSchemaRegistryClient"/> (REST calls, auth, TLS,
/// per-attempt timeout, its caches), with our retries around it: timeouts, refused connections and 5xx/408/429 answers are retried
/// (then <see cref="SchemaRegistryUnavailableException"/>); a 404 for an id is a definitive <see cref="UnknownSchemaIdException"/>.
/// </summary>
public sealed partial class SchemaRegistryClient : ISchemaRegistry, IDisposable
{
    private readonly ConfluentRegistry.ISchemaRegistryClient _client;
    private readonly string _url;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<int, AvroSchema> _schemas = new();

    /// <exception cref="ArgumentException">The options cannot work (one sentence: <see cref="SchemaRegistryOptions.Problem"/>, or what Confluent's client refused).</exception>
    public SchemaRegistryClient(SchemaRegistryOptions options, ILogger<SchemaRegistryClient>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        _url = options.Url!.AbsoluteUri;
        try
        {
            _client = new ConfluentRegistry.CachedSchemaRegistryClient(options.ToConfluentConfig());
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
        {
            throw new ArgumentException($"The {SchemaRegistryOptions.SectionName} settings do not work with Confluent's client: {e.Message}", nameof(options), e);
        }

        _logger = logger ?? NullLogger<SchemaRegistryClient>.Instance;
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider ?? TimeProvider.System };
        if (options.MaxRetryAttempts > 0)
        {
            pipeline.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
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

        _pipeline = pipeline.Build();
    }

    /// <inheritdoc />
    public async Task<int> RegisterAsync(string subject, string schema, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentException.ThrowIfNullOrEmpty(schema);
        var parsed = AvroSchema.Parse(schema); // Refuse a bad schema here, with our message, before the registry does.
        var id = await CallAsync(
            () => _client.RegisterSchemaAsync(subject, new ConfluentRegistry.Schema(schema, ConfluentRegistry.SchemaType.Avro), normalize: false),
            schemaId: null,
            cancellationToken).ConfigureAwait(false);
        _schemas.TryAdd(id, parsed);
        return id;
    }

    /// <inheritdoc />
    public ValueTask<AvroSchema> GetSchemaAsync(int id, CancellationToken cancellationToken = default) =>
        _schemas.TryGetValue(id, out var cached) ? ValueTask.FromResult(cached) : new ValueTask<AvroSchema>(FetchAsync(id, cancellationToken));

    /// <summary>Disposes Confluent's client (its HTTP clients).</summary>
    public void Dispose() => _client.Dispose();

    private async Task<AvroSchema> FetchAsync(int id, CancellationToken cancellationToken)
    {
        var fetched = await CallAsync(() => _client.GetSchemaAsync(id, format: null), id, cancellationToken).ConfigureAwait(false);
        if (fetched.SchemaType != ConfluentRegistry.SchemaType.Avro)
        {
            throw new SchemaRegistryException($"Schema {id} is a {fetched.SchemaType} schema, not Avro.");
        }

        // One instance per id, so callers can cache per-schema work (resolution plans) by reference.
        return _schemas.GetOrAdd(id, AvroSchema.Parse(fetched.SchemaString));
    }

    /// <summary>One call through the timeout and retries; Confluent's exceptions become ours.</summary>
    private async Task<T> CallAsync<T>(Func<Task<T>> call, int? schemaId, CancellationToken cancellationToken)
    {
        try
        {
            // Confluent's calls take no token: on cancellation the caller stops waiting; the request ends at its HTTP timeout.
            return await _pipeline.ExecuteAsync(async token => await call().WaitAsync(token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransient(e))
        {
            throw new SchemaRegistryUnavailableException($"The Schema Registry at {_url} is unavailable ({e.Message}); retry later.", e);
        }
        catch (ConfluentRegistry.SchemaRegistryException e) when (schemaId is { } id && e.Status == HttpStatusCode.NotFound)
        {
            throw new UnknownSchemaIdException(id, $"The Schema Registry at {_url} has no schema with id {id} (error_code {e.ErrorCode}: {e.Message}).");
        }
        catch (ConfluentRegistry.SchemaRegistryException e)
        {
            var status = (int)e.Status;
            throw new SchemaRegistryException($"The Schema Registry at {_url} refused the request with {status} (error_code {e.ErrorCode}): {e.Message}", status, e.ErrorCode, e);
        }
    }

    /// <summary>
    /// An outage, worth another attempt: a 5xx/408/429 answer, or no answer (Confluent wraps a refused connection and its HTTP
    /// timeout in an <see cref="HttpRequestException"/>); any other answer of the registry is definitive.
    /// </summary>
    private static bool IsTransient(Exception e) => e switch
    {
        ConfluentRegistry.SchemaRegistryException { Status: var status } =>
            (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests,
        HttpRequestException => true,
        TaskCanceledException { InnerException: TimeoutException } => true,
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schema Registry request failed; retry {Attempt} in {Delay}: {Reason}")]
    private static partial void LogRetry(ILogger logger, int attempt, TimeSpan delay, string? reason);
}
