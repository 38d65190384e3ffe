using FraudStream.Avro.Registry;
using FraudStream.Avro.Tests.Support;

namespace FraudStream.Avro.Tests;

public sealed class TransactionMessageCodecTests
{
    private readonly LocalSchemaCatalog _catalog = LocalSchemaCatalog.FromEmbeddedSchemas();

    private TransactionMessageCodec Codec() => new(_catalog, new TransactionAvroCodec());

    [Test]
    public async Task A_framed_transaction_round_trips_through_the_catalog()
    {
        // Arrange
        var codec = Codec();
        var message = codec.Encode(TestTransactions.Typical(), _catalog.IdOf("transaction.avsc"));

        // Act
        var decoded = await codec.DecodeAsync(message);

        // Assert
        Assert.That(message[0], Is.Zero);
        Assert.That(decoded, Is.EqualTo(TestTransactions.Typical()));
    }

    [Test]
    public void An_unknown_schema_id_is_a_decoding_failure_with_reason_UnknownSchemaId()
    {
        // Arrange
        var codec = Codec();
        var message = codec.Encode(TestTransactions.Typical(), 4242);

        // Act
        var e = Assert.ThrowsAsync<AvroDecodingException>(async () => await codec.DecodeAsync(message));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.UnknownSchemaId));
        Assert.That(e.InnerException, Is.InstanceOf<UnknownSchemaIdException>());
    }

    [Test]
    public void A_message_framed_with_the_wrong_schema_id_fails_instead_of_decoding_garbage()
    {
        // Arrange: the alert schema's id on a transaction body.
        var codec = Codec();
        var message = codec.Encode(TestTransactions.Typical(), _catalog.IdOf("fraud_alert.avsc"));

        // Act
        var e = Assert.ThrowsAsync<AvroDecodingException>(async () => await codec.DecodeAsync(message));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.IncompatibleSchema));
    }

    [Test]
    public void A_bad_magic_byte_is_a_decoding_failure_with_reason_BadMagicByte()
    {
        // Arrange
        var codec = Codec();
        var message = codec.Encode(TestTransactions.Typical(), 2);
        message[0] = 7;

        // Act
        var e = Assert.ThrowsAsync<AvroDecodingException>(async () => await codec.DecodeAsync(message));

        // Assert
        Assert.That(e!.Reason, Is.EqualTo(DecodeFailure.BadMagicByte));
    }

    [Test]
    public void A_registry_outage_is_not_a_decoding_failure()
    {
        // Arrange: a registry that is down.
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        using var registry = new SchemaRegistryClient(new SchemaRegistryOptions { Url = new Uri($"http://127.0.0.1:{port}"), MaxRetryAttempts = 0 });
        var codec = new TransactionMessageCodec(registry, new TransactionAvroCodec());
        var message = codec.Encode(TestTransactions.Typical(), 2);

        // Act / Assert
        Assert.ThrowsAsync<SchemaRegistryUnavailableException>(async () => await codec.DecodeAsync(message));
    }
}
