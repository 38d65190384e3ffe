using Confluent.SchemaRegistry;
using FraudStream.Avro.Registry;

namespace FraudStream.Avro.Tests;

public sealed class SchemaRegistryOptionsTests
{
    private static readonly Uri Url = new("https://registry.example:8081");

    [Test]
    public void Url_alone_is_a_working_configuration()
    {
        // Act / Assert
        Assert.That(new SchemaRegistryOptions { Url = Url }.Problem(), Is.Null);
    }

    [TestCaseSource(nameof(BadSettings))]
    public void A_setting_that_cannot_work_is_named_in_one_sentence(SchemaRegistryOptions options, string setting)
    {
        // Act
        var problem = options.Problem();

        // Assert
        Assert.That(problem, Does.Contain($"SchemaRegistry:{setting}").And.EndsWith("."));
        Assert.That(problem!.Split(". ", StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1));
        Assert.Throws<ArgumentException>(() => new SchemaRegistryClient(options));
    }

    [Test]
    public void Auth_and_tls_settings_reach_Confluents_configuration()
    {
        // Arrange
        var ca = Path.GetTempFileName();
        var options = new SchemaRegistryOptions
        {
            Url = Url,
            RequestTimeout = TimeSpan.FromMilliseconds(1500),
            BasicAuthUserInfo = "svc:s3cret",
            SslCaLocation = ca,
            EnableSslCertificateVerification = false,
        };

        // Act
        var config = options.ToConfluentConfig();
        File.Delete(ca);

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(config.Url, Is.EqualTo("https://registry.example:8081"));
            Assert.That(config.RequestTimeoutMs, Is.EqualTo(1500));
            Assert.That(config.MaxRetries, Is.EqualTo(1), "one attempt per call: the retries are ours");
            Assert.That(config.BasicAuthCredentialsSource, Is.EqualTo(AuthCredentialsSource.UserInfo));
            Assert.That(config.BasicAuthUserInfo, Is.EqualTo("svc:s3cret"));
            Assert.That(config.SslCaLocation, Is.EqualTo(ca));
            Assert.That(config.EnableSslCertificateVerification, Is.False);
        });
    }

    [Test]
    public void OAuth_bearer_settings_reach_Confluents_configuration()
    {
        // Arrange
        var options = new SchemaRegistryOptions
        {
            Url = Url,
            BearerAuthCredentialsSource = BearerAuthCredentialsSource.OAuthBearer,
            BearerAuthClientId = "id",
            BearerAuthClientSecret = "secret",
            BearerAuthScope = "registry",
            BearerAuthTokenEndpointUrl = new Uri("https://idp.example/token"),
            BearerAuthLogicalCluster = "lsrc-1",
            BearerAuthIdentityPoolId = "pool-1",
        };

        // Act
        var config = options.ToConfluentConfig();

        // Assert
        Assert.Multiple(() =>
        {
            Assert.That(options.Problem(), Is.Null);
            Assert.That(config.BearerAuthCredentialsSource, Is.EqualTo(BearerAuthCredentialsSource.OAuthBearer));
            Assert.That(config.BearerAuthClientId, Is.EqualTo("id"));
            Assert.That(config.BearerAuthClientSecret, Is.EqualTo("secret"));
            Assert.That(config.BearerAuthScope, Is.EqualTo("registry"));
            Assert.That(config.BearerAuthTokenEndpointUrl, Is.EqualTo("https://idp.example/token"));
            Assert.That(config.BearerAuthLogicalCluster, Is.EqualTo("lsrc-1"));
            Assert.That(config.BearerAuthIdentityPoolId, Is.EqualTo("pool-1"));
        });
    }

    private static IEnumerable<TestCaseData> BadSettings()
    {
        yield return Case("BasicAuthUserInfo", new SchemaRegistryOptions { Url = Url, BasicAuthUserInfo = "no-colon" });
        yield return Case("BasicAuthCredentialsSource", new SchemaRegistryOptions { Url = Url, BasicAuthCredentialsSource = AuthCredentialsSource.SaslInherit });
        yield return Case("BearerAuthToken", new SchemaRegistryOptions { Url = Url, BearerAuthCredentialsSource = BearerAuthCredentialsSource.StaticToken, BearerAuthLogicalCluster = "lsrc-1" });
        yield return Case("BearerAuthLogicalCluster", new SchemaRegistryOptions { Url = Url, BearerAuthCredentialsSource = BearerAuthCredentialsSource.StaticToken, BearerAuthToken = "t" });
        yield return Case("BearerAuthClientId", new SchemaRegistryOptions { Url = Url, BearerAuthCredentialsSource = BearerAuthCredentialsSource.OAuthBearer, BearerAuthLogicalCluster = "lsrc-1" });
        yield return Case("BearerAuth", new SchemaRegistryOptions { Url = Url, BasicAuthUserInfo = "a:b", BearerAuthCredentialsSource = BearerAuthCredentialsSource.StaticToken, BearerAuthToken = "t" });
        yield return Case("SslCaLocation", new SchemaRegistryOptions { Url = Url, SslCaLocation = "/nonexistent/ca.pem" });
        yield return Case("SslKeystoreLocation", new SchemaRegistryOptions { Url = Url, SslKeystoreLocation = "/nonexistent/client.p12" });
        yield return Case("SslKeystorePassword", new SchemaRegistryOptions { Url = Url, SslKeystorePassword = "pw" });
        yield return Case("RequestTimeout", new SchemaRegistryOptions { Url = Url, RequestTimeout = TimeSpan.Zero });
    }

    private static TestCaseData Case(string setting, SchemaRegistryOptions options) =>
        new TestCaseData(options, setting).SetArgDisplayNames(setting);
}
