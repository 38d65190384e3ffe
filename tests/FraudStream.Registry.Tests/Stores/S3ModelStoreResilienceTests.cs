using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using FraudStream.Registry.Stores;
using FraudStream.Registry.Tests.Infrastructure;

namespace FraudStream.Registry.Tests.Stores;

/// <summary>How the S3 store behaves when S3 fails: transient failures are retried a bounded number of times, 4xx never.</summary>
public sealed class S3ModelStoreResilienceTests
{
    private const string Bucket = "resilience";

    private S3rverProcess _server = null!;

    [OneTimeSetUp]
    public async Task StartS3rver() => _server = await S3rverProcess.StartAsync(Bucket);

    [OneTimeTearDown]
    public async Task StopS3rver() => await _server.DisposeAsync();

    [Test]
    public void ServerNotListening_IsRetriedMaxAttemptsTimes_ThenUnavailableWithAClearMessage()
    {
        var options = StoreBackend.Options(_server, Bucket);
        options.ServiceUrl = $"http://127.0.0.1:{FreePort.Closed()}";
        options.MaxAttempts = 3;
        var logger = new RecordingLogger();
        var http = new CountingHttpClientFactory();
        using var s3 = CreateStore(options, http, logger);

        var error = Assert.ThrowsAsync<ModelStoreUnavailableException>(() => s3.Store.TryGetAsync(RegistryLayout.ProductionKey));

        Assert.That(http.Requests, Is.EqualTo(3));
        Assert.That(error!.Attempts, Is.EqualTo(3));
        Assert.That(logger.Warnings, Has.Count.EqualTo(2), "one warning per retry");
        Assert.That(error.Message, Does.StartWith($"The S3 model store at {options.ServiceUrl} (bucket '{Bucket}') did not complete GET 'models/production.json' after 3 attempt(s) (ConnectionRefused"));
        Assert.That(error.Message, Does.EndWith("check that S3 is up and reachable there and that ServiceUrl and Region are right."));
    }

    [Test]
    public async Task ServerStoppedAfterPublishing_IsRetriedTheDefaultFourTimes_ThenUnavailable()
    {
        var server = await S3rverProcess.StartAsync(Bucket);
        var options = StoreBackend.Options(server, Bucket);
        var http = new CountingHttpClientFactory();
        using var s3 = CreateStore(options, http);
        await s3.Store.PutAsync("models/a.bin", new byte[] { 1, 2, 3 });
        await server.DisposeAsync();
        var before = http.Requests;

        var error = Assert.ThrowsAsync<ModelStoreUnavailableException>(() => s3.Store.TryGetAsync("models/a.bin"));

        Assert.That(http.Requests - before, Is.EqualTo(4));
        Assert.That(error!.Attempts, Is.EqualTo(4));
        Assert.That(error.Message, Does.Contain(server.ServiceUrl).And.Contain("after 4 attempt(s)"));
    }

    [Test]
    public async Task ServerThatNeverAnswers_TimesOutOnEveryAttempt_ThenUnavailable()
    {
        await using var silent = new UnresponsiveServer();
        var options = StoreBackend.Options(_server, Bucket);
        options.ServiceUrl = silent.ServiceUrl;
        options.MaxAttempts = 2;
        options.RequestTimeout = TimeSpan.FromMilliseconds(300);
        var logger = new RecordingLogger();

        // The store's own client: this checks the timeout the store configures, not one a test factory sets.
        using var store = new S3ModelStore(options, logger);

        var error = Assert.ThrowsAsync<ModelStoreUnavailableException>(() => store.ListAsync("models/"));

        Assert.That(error!.Attempts, Is.EqualTo(2));
        Assert.That(logger.Warnings, Has.Count.EqualTo(1));
        Assert.That(error.Message, Does.Contain("no answer within the request timeout of 0.3 s"));
    }

    [Test]
    public async Task SlowDown503_IsRetried_AndTheWriteSucceedsOnceS3Recovers()
    {
        var options = StoreBackend.Options(_server, Bucket, prefix: Guid.NewGuid().ToString("N"));
        var http = new CountingHttpClientFactory(request => request <= 2 ? CountingHttpClientFactory.S3Error(HttpStatusCode.ServiceUnavailable, "SlowDown") : null);
        using var s3 = CreateStore(options, http);

        await s3.Store.PutAsync("models/a.bin", new byte[] { 1, 2, 3 });

        Assert.That(http.Requests, Is.EqualTo(3));
        Assert.That(await s3.Store.TryGetAsync("models/a.bin"), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public void InternalError500OnEveryAttempt_IsRetriedThenUnavailable_NamingTheServersAnswer()
    {
        var options = StoreBackend.Options(_server, Bucket);
        var http = new CountingHttpClientFactory(_ => CountingHttpClientFactory.S3Error(HttpStatusCode.InternalServerError, "InternalError"));
        using var s3 = CreateStore(options, http);

        var error = Assert.ThrowsAsync<ModelStoreUnavailableException>(() => s3.Store.PutAtomicAsync(RegistryLayout.ProductionKey, new byte[] { 1 }));

        Assert.That(http.Requests, Is.EqualTo(4));
        Assert.That(error!.Message, Does.Contain("after 4 attempt(s) (500 InternalError: injected by the test)"));
    }

    [Test]
    public void NoSuchBucket404_IsNotRetried_AndSaysToCreateTheBucket()
    {
        var options = StoreBackend.Options(_server, "no-such-bucket");
        var http = new CountingHttpClientFactory();
        using var s3 = CreateStore(options, http);

        var error = Assert.ThrowsAsync<ModelStoreUnavailableException>(() => s3.Store.TryGetAsync(RegistryLayout.ProductionKey));

        Assert.That(http.Requests, Is.EqualTo(1));
        Assert.That(error!.Attempts, Is.EqualTo(1));
        Assert.That(error.Message, Does.StartWith($"The bucket 'no-such-bucket' does not exist at {_server.ServiceUrl} (404 NoSuchBucket").And.EndWith("create it or fix the Bucket setting."));
    }

    [Test]
    public void UnknownAccessKey403_IsNotRetried_AndSaysToCheckTheKeys()
    {
        var options = StoreBackend.Options(_server, Bucket);
        options.AccessKey = "NOT-S3RVER";
        var http = new CountingHttpClientFactory();
        using var s3 = CreateStore(options, http);

        var error = Assert.ThrowsAsync<ModelStoreUnavailableException>(() => s3.Store.PutAsync("models/a.bin", new byte[] { 1 }));

        Assert.That(http.Requests, Is.EqualTo(1));
        Assert.That(error!.Message, Does.Contain("(403 InvalidAccessKeyId").And.Contain("check the access key and secret key"));
    }

    [Test]
    public void BadRequest400_IsNotRetried()
    {
        var options = StoreBackend.Options(_server, Bucket);
        var http = new CountingHttpClientFactory(_ => CountingHttpClientFactory.S3Error(HttpStatusCode.BadRequest, "InvalidRequest"));
        using var s3 = CreateStore(options, http);

        var error = Assert.ThrowsAsync<ModelStoreUnavailableException>(() => s3.Store.ListAsync("models/"));

        Assert.That(http.Requests, Is.EqualTo(1));
        Assert.That(error!.Message, Does.Contain("rejected LIST 'models/' (400 InvalidRequest"));
    }

    [Test]
    public async Task MissingKey_IsNullAfterOneRequest()
    {
        var options = StoreBackend.Options(_server, Bucket, prefix: Guid.NewGuid().ToString("N"));
        var http = new CountingHttpClientFactory();
        using var s3 = CreateStore(options, http);

        var content = await s3.Store.TryGetAsync("models/nothing-here.json");

        Assert.That(content, Is.Null);
        Assert.That(http.Requests, Is.EqualTo(1));
    }

    [Test]
    public void CancellationByTheCaller_IsNotRetriedNorWrapped()
    {
        var options = StoreBackend.Options(_server, Bucket);
        options.ServiceUrl = $"http://127.0.0.1:{FreePort.Closed()}";
        var http = new CountingHttpClientFactory();
        using var s3 = CreateStore(options, http);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.That(() => s3.Store.TryGetAsync("models/a.bin", cancelled.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(http.Requests, Is.LessThanOrEqualTo(1));
    }

    [Test]
    public void ClientConfig_LeavesRetriesToPolly()
    {
        var config = S3ModelStore.CreateClientConfig(StoreBackend.Options(_server, Bucket));

        Assert.That(config.MaxErrorRetry, Is.Zero);
        Assert.That(config.ForcePathStyle, Is.True);
        Assert.That(config.Timeout, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(config.RequestChecksumCalculation, Is.EqualTo(RequestChecksumCalculation.WHEN_REQUIRED));
    }

    private static StoreUnderTest CreateStore(S3ModelStoreOptions options, CountingHttpClientFactory http, RecordingLogger? logger = null)
    {
        var config = S3ModelStore.CreateClientConfig(options);
        config.HttpClientFactory = http;
        var client = new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
        return new StoreUnderTest(client, new S3ModelStore(client, options, logger));
    }

    /// <summary>A store over a client this test made, so the test disposes both.</summary>
    private sealed class StoreUnderTest(IAmazonS3 client, S3ModelStore store) : IDisposable
    {
        public S3ModelStore Store => store;

        public void Dispose()
        {
            store.Dispose();
            client.Dispose();
        }
    }
}
