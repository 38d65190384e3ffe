using System.Net;
using System.Text;
using Amazon.Runtime;

namespace FraudStream.Registry.Tests.Infrastructure;

/// <summary>
/// Gives the S3 SDK HttpClients that count every request actually sent and can answer some of them with an injected
/// error instead of passing them on, so tests see exactly how many attempts went over the wire.
/// </summary>
internal sealed class CountingHttpClientFactory : HttpClientFactory
{
    private readonly CountingHandler _handler;

    /// <param name="inject">Given the 1-based request number, an error to answer with, or null to send the request.</param>
    public CountingHttpClientFactory(Func<int, HttpResponseMessage?>? inject = null) =>
        _handler = new CountingHandler(inject ?? (_ => null)) { InnerHandler = new SocketsHttpHandler() };

    /// <summary>Requests the SDK has tried to send so far.</summary>
    public int Requests => _handler.Requests;

    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        // The SDK applies its timeout to the HttpClients it makes itself; this factory does the same for its own.
        var client = new HttpClient(_handler, disposeHandler: false);
        if (clientConfig.Timeout is { } timeout)
        {
            client.Timeout = timeout;
        }

        return client;
    }

    /// <summary>An S3 error response, as S3 writes one.</summary>
    public static HttpResponseMessage S3Error(HttpStatusCode status, string code) => new(status)
    {
        Content = new StringContent(
            $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>injected by the test</Message><RequestId>test</RequestId></Error>",
            Encoding.UTF8,
            "application/xml"),
    };

    private sealed class CountingHandler(Func<int, HttpResponseMessage?> inject) : DelegatingHandler
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var number = Interlocked.Increment(ref _requests);
            return inject(number) is { } response
                ? Task.FromResult(response)
                : base.SendAsync(request, cancellationToken);
        }
    }
}
