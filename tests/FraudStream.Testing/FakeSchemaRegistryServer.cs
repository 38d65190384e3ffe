using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace FraudStream.Testing;

/// <summary>
/// Test double of Confluent Schema Registry: the REST contract the client uses (register a subject version, get a
/// schema by id, error bodies with error_code), on a random loopback port, with scripted failures. Ids are given in
/// registration order from <c>firstId</c>; start them past the local catalog's (1-3) to tell which one a process used.
/// </summary>
public sealed class FakeSchemaRegistryServer : IAsyncDisposable
{
    private const string MediaType = "application/vnd.schemaregistry.v1+json";

    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _releaseHungRequests = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<Func<HttpListenerContext, Task<bool>>> _script = new();
    private readonly Lock _lock = new();
    private readonly List<string> _schemas = [];
    private readonly Dictionary<string, List<int>> _subjects = [];
    private readonly Task _loop;
    private readonly int _firstId;
    private int _requests;

    /// <param name="firstId">The id of the first schema registered; the next ones follow.</param>
    public FakeSchemaRegistryServer(int firstId = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(firstId, 1);
        _firstId = firstId;

        // HttpListener cannot bind port 0: take a free port from the OS, then listen on it.
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Url = new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/");
        }

        _listener.Prefixes.Add(Url.AbsoluteUri);
        _listener.Start();
        _loop = Task.Run(AcceptLoop);
    }

    public Uri Url { get; }

    /// <summary>Requests received, including failed and hung ones.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The Authorization header of each request received (null when there was none).</summary>
    public ConcurrentQueue<string?> Authorizations { get; } = new();

    /// <summary>Content types of the POST bodies received.</summary>
    public ConcurrentQueue<string?> PostContentTypes { get; } = new();

    /// <summary>The subjects registered so far, each with the ids registered under it in registration order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<int>> Subjects
    {
        get
        {
            lock (_lock)
            {
                return _subjects.ToDictionary<KeyValuePair<string, List<int>>, string, IReadOnlyList<int>>(s => s.Key, s => s.Value.ToArray(), StringComparer.Ordinal);
            }
        }
    }

    /// <summary>The next <paramref name="count"/> requests get this status and a registry error body.</summary>
    public void FailNext(int count, HttpStatusCode status, int errorCode = 50001)
    {
        for (var i = 0; i < count; i++)
        {
            _script.Enqueue(async context =>
            {
                await Respond(context, status, new { error_code = errorCode, message = "Scripted failure" });
                return true;
            });
        }
    }

    /// <summary>The next <paramref name="count"/> requests get no answer until the server is disposed.</summary>
    public void HangNext(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _script.Enqueue(async context =>
            {
                await _releaseHungRequests.Task;
                context.Response.Abort();
                return true;
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        _releaseHungRequests.TrySetResult();
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (HttpListenerException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        _listener.Close();
        _stop.Dispose();
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            Interlocked.Increment(ref _requests);
            Authorizations.Enqueue(context.Request.Headers["Authorization"]);
            _ = Task.Run(() => Handle(context));
        }
    }

    private async Task Handle(HttpListenerContext context)
    {
        try
        {
            if (_script.TryDequeue(out var scripted) && await scripted(context))
            {
                return;
            }

            var path = context.Request.Url!.AbsolutePath.Trim('/').Split('/');
            switch (context.Request.HttpMethod, path)
            {
                case ("POST", ["subjects", var subject, "versions"]):
                    await Register(context, Uri.UnescapeDataString(subject));
                    break;
                case ("GET", ["schemas", "ids", var idText]) when int.TryParse(idText, out var id):
                    await GetById(context, id);
                    break;
                default:
                    await Respond(context, HttpStatusCode.NotFound, new { error_code = 404, message = "HTTP 404 Not Found" });
                    break;
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (HttpListenerException)
        {
        }
    }

    private async Task Register(HttpListenerContext context, string subject)
    {
        PostContentTypes.Enqueue(context.Request.ContentType);
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        using var body = JsonDocument.Parse(await reader.ReadToEndAsync());
        var schema = body.RootElement.GetProperty("schema").GetString()!;
        int id;
        lock (_lock)
        {
            var index = _schemas.IndexOf(schema);
            if (index < 0)
            {
                _schemas.Add(schema);
                index = _schemas.Count - 1;
            }

            id = _firstId + index;
            var versions = _subjects.TryGetValue(subject, out var list) ? list : _subjects[subject] = [];
            if (!versions.Contains(id))
            {
                versions.Add(id);
            }
        }

        await Respond(context, HttpStatusCode.OK, new { id });
    }

    private async Task GetById(HttpListenerContext context, int id)
    {
        string? schema;
        lock (_lock)
        {
            var index = id - _firstId;
            schema = index >= 0 && index < _schemas.Count ? _schemas[index] : null;
        }

        if (schema is null)
        {
            await Respond(context, HttpStatusCode.NotFound, new { error_code = 40403, message = "Schema not found" });
            return;
        }

        await Respond(context, HttpStatusCode.OK, new { schema });
    }

    private static async Task Respond(HttpListenerContext context, HttpStatusCode status, object body)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body);
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = MediaType;
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }
}
