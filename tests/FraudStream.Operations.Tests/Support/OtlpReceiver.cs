using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FraudStream.Operations.Tests.Support;

/// <summary>A stand-in OTLP/HTTP collector: keeps the body of every POST to /v1/traces and answers 200.</summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<byte[]> _bodies;

    private OtlpReceiver(WebApplication app, ConcurrentQueue<byte[]> bodies, Uri url)
    {
        _app = app;
        _bodies = bodies;
        Url = url;
    }

    /// <summary>The collector's base URL (spans go to its /v1/traces).</summary>
    public Uri Url { get; }

    /// <summary>Every export received so far, as Latin-1 text: the protobuf's strings (span names, attributes) read as written.</summary>
    public string Received => string.Concat(_bodies.Select(Encoding.Latin1.GetString));

    public int Exports => _bodies.Count;

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var bodies = new ConcurrentQueue<byte[]>();
        app.MapPost("/v1/traces", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            bodies.Enqueue(body.ToArray());
            context.Response.ContentType = "application/x-protobuf";
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new OtlpReceiver(app, bodies, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
