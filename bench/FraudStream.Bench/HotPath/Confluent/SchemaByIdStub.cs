using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace FraudStream.Bench.HotPath.Confluent;

/// <summary>
/// Test double of Confluent Schema Registry for the benchmark's setup: answers <c>GET /schemas/ids/{id}</c> for one schema, the
/// REST call Confluent's deserializer makes once per writer id before its client caches the schema (nothing is measured over HTTP).
/// </summary>
internal sealed class SchemaByIdStub : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public SchemaByIdStub(int schemaId, string schema)
    {
        // HttpListener cannot bind port 0: take a free port from the OS, then listen on it.
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Url = new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/");
        }

        _listener.Prefixes.Add(Url.AbsoluteUri);
        _listener.Start();
        var body = JsonSerializer.SerializeToUtf8Bytes(new { schema });
        _loop = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (!_listener.IsListening)
                {
                    return;
                }

                var found = context.Request.Url!.AbsolutePath.TrimEnd('/') == $"/schemas/ids/{schemaId}";
                context.Response.StatusCode = found ? 200 : 404;
                context.Response.ContentType = "application/vnd.schemaregistry.v1+json";
                var answer = found ? body : """{"error_code": 40403, "message": "Schema not found"}"""u8.ToArray();
                await context.Response.OutputStream.WriteAsync(answer);
                context.Response.Close();
            }
        });
    }

    public Uri Url { get; }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _ = _loop.Exception;
    }
}
