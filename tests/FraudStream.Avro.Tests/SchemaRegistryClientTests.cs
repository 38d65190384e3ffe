using System.Net;
using FraudStream.Avro.Registry;

namespace FraudStream.Avro.Tests;

public sealed class SchemaRegistryClientTests
{
    private static readonly string TransactionSchema = EmbeddedSchemas.ReadText("transaction.avsc");

    private readonly List<SchemaRegistryClient> _clients = [];
    private FakeSchemaRegistryServer _server = null!;

    [SetUp]
    public void StartServer() => _server = new FakeSchemaRegistryServer();

    [TearDown]
    public async Task StopServer()
    {
        _clients.ForEach(c => c.Dispose());
        _clients.Clear();
        await _server.DisposeAsync();
    }

    private SchemaRegistryClient Client(int retries = 3, int timeoutMs = 2000) => Track(new SchemaRegistryClient(new SchemaRegistryOptions
    {
        Url = _server.Url,
        MaxRetryAttempts = retries,
        RetryDelay = TimeSpan.FromMilliseconds(1),
        RequestTimeout = TimeSpan.FromMilliseconds(timeoutMs),
    }));

    private SchemaRegistryClient Track(SchemaRegistryClient client)
    {
        _clients.Add(client);
        return client;
    }

    [Test]
    public async Task A_registered_schema_is_returned_by_its_id()
    {
        // Arrange
        var client = Client();

        // Act
        var id = await client.RegisterAsync(SchemaSubjects.ForTopicValue("transactions"), TransactionSchema);
        var again = await client.RegisterAsync(SchemaSubjects.ForTopicValue("transactions"), TransactionSchema);
        var schema = await Client().GetSchemaAsync(id);

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(id, Is.EqualTo(1));
            Assert.That(again, Is.EqualTo(id));
            Assert.That(schema.ToCanonicalForm(), Is.EqualTo(TransactionAvroCodec.Schema.ToCanonicalForm()));
            Assert.That(_server.PostContentTypes, Has.All.StartsWith("application/vnd.schemaregistry.v1+json"));
        });
    }

    [Test]
    public async Task Schemas_are_cached_per_id_as_one_instance()
    {
        // Arrange
        var id = await Client().RegisterAsync("transactions-value", TransactionSchema);
        var client = Client();

        // Act
        var first = await client.GetSchemaAsync(id);
        var requestsAfterFirst = _server.Requests;
        var second = await client.GetSchemaAsync(id);

        // Assert
        Assert.That(second, Is.SameAs(first));
        Assert.That(_server.Requests, Is.EqualTo(requestsAfterFirst));
    }

    [Test]
    public void An_unknown_id_is_a_definitive_UnknownSchemaIdException_without_retry()
    {
        // Arrange
        var client = Client(retries: 3);

        // Act
        var e = Assert.ThrowsAsync<UnknownSchemaIdException>(async () => await client.GetSchemaAsync(77));

        // Assert
        Assert.That(e!.SchemaId, Is.EqualTo(77));
        Assert.That(e.ErrorCode, Is.EqualTo(40403));
        Assert.That(_server.Requests, Is.EqualTo(1));
    }

    [Test]
    public async Task Server_errors_are_retried_until_success()
    {
        // Arrange
        var id = await Client().RegisterAsync("transactions-value", TransactionSchema);
        _server.FailNext(2, HttpStatusCode.InternalServerError);
        var requestsBefore = _server.Requests;

        // Act
        var schema = await Client(retries: 3).GetSchemaAsync(id);

        // Assert
        Assert.That(schema, Is.InstanceOf<RecordSchema>());
        Assert.That(_server.Requests - requestsBefore, Is.EqualTo(3));
    }

    [Test]
    public void Server_errors_beyond_the_retries_are_an_outage_not_an_unknown_id()
    {
        // Arrange
        _server.FailNext(3, HttpStatusCode.ServiceUnavailable);

        // Act
        var e = Assert.ThrowsAsync<SchemaRegistryUnavailableException>(async () => await Client(retries: 2).GetSchemaAsync(1));

        // Assert
        Assert.That(e!.Message, Does.Contain("unavailable"));
        Assert.That(_server.Requests, Is.EqualTo(3));
    }

    [Test]
    public void Timeouts_are_retried_then_reported_as_unavailable()
    {
        // Arrange
        _server.HangNext(3);

        // Act
        // Each attempt waits long enough to reach the hung server even on a loaded machine (at 200 ms one attempt timed out before it arrived).
        var e = Assert.ThrowsAsync<SchemaRegistryUnavailableException>(async () => await Client(retries: 2, timeoutMs: 1000).GetSchemaAsync(1));

        // Assert
        Assert.That(Causes(e!), Has.Some.InstanceOf<TimeoutException>(), "the last attempt ended by its timeout");
        Assert.That(_server.Requests, Is.EqualTo(3), "each attempt timed out on its own and was retried");
    }

    [Test]
    public async Task A_timeout_followed_by_an_answer_succeeds()
    {
        // Arrange
        var id = await Client().RegisterAsync("transactions-value", TransactionSchema);
        _server.HangNext(1);

        // Act
        var schema = await Client(retries: 2, timeoutMs: 200).GetSchemaAsync(id);

        // Assert
        Assert.That(schema, Is.InstanceOf<RecordSchema>());
    }

    [Test]
    public void A_refused_connection_is_an_outage()
    {
        // Arrange: a port nobody listens on.
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var client = Track(new SchemaRegistryClient(new SchemaRegistryOptions { Url = new Uri($"http://127.0.0.1:{port}"), MaxRetryAttempts = 1, RetryDelay = TimeSpan.Zero }));

        // Act
        var e = Assert.ThrowsAsync<SchemaRegistryUnavailableException>(async () => await client.GetSchemaAsync(1));

        // Assert
        Assert.That(e!.InnerException, Is.InstanceOf<HttpRequestException>());
    }

    [Test]
    public void A_client_error_on_register_is_definitive_and_not_retried()
    {
        // Arrange
        _server.FailNext(1, HttpStatusCode.Conflict, errorCode: 409);

        // Act
        var e = Assert.ThrowsAsync<SchemaRegistryException>(async () => await Client().RegisterAsync("transactions-value", TransactionSchema));

        // Assert
        Assert.That(e!.StatusCode, Is.EqualTo(409));
        Assert.That(_server.Requests, Is.EqualTo(1));
    }

    [Test]
    public void An_invalid_schema_is_refused_before_any_request()
    {
        // Act
        Assert.ThrowsAsync<AvroSchemaException>(async () => await Client().RegisterAsync("transactions-value", """{"type": "nope"}"""));

        // Assert
        Assert.That(_server.Requests, Is.Zero);
    }

    [Test]
    public async Task Basic_auth_user_info_is_sent_with_every_request()
    {
        // Arrange
        var client = Track(new SchemaRegistryClient(new SchemaRegistryOptions { Url = _server.Url, BasicAuthUserInfo = "svc:s3cret" }));

        // Act
        var id = await client.RegisterAsync("transactions-value", TransactionSchema);
        await Track(new SchemaRegistryClient(new SchemaRegistryOptions { Url = _server.Url, BasicAuthUserInfo = "svc:s3cret" })).GetSchemaAsync(id);

        // Assert
        Assert.That(_server.Authorizations, Has.Count.EqualTo(2).And.All.EqualTo("Basic " + Convert.ToBase64String("svc:s3cret"u8)));
    }

    [Test]
    public async Task A_static_bearer_token_is_sent_with_every_request()
    {
        // Arrange
        var client = Track(new SchemaRegistryClient(new SchemaRegistryOptions
        {
            Url = _server.Url,
            BearerAuthCredentialsSource = Confluent.SchemaRegistry.BearerAuthCredentialsSource.StaticToken,
            BearerAuthToken = "t0ken",
            BearerAuthLogicalCluster = "lsrc-1",
            BearerAuthIdentityPoolId = "pool-1",
        }));

        // Act
        await client.RegisterAsync("transactions-value", TransactionSchema);

        // Assert
        Assert.That(_server.Authorizations, Is.EqualTo(new[] { "Bearer t0ken" }));
    }

    private static IEnumerable<Exception> Causes(Exception e)
    {
        for (var cause = e.InnerException; cause is not null; cause = cause.InnerException)
        {
            yield return cause;
        }
    }
}
