using Confluent.Kafka;
using FraudStream.Streaming.ExactlyOnce;
using FraudStream.Streaming.Tests.Fakes;

namespace FraudStream.Streaming.Tests;

/// <summary>The consumer's arrays used again: exact copies, reused only once their batch is done.</summary>
[TestFixture]
public sealed class RecordBytesTests
{
    private static readonly SerializationContext s_value = new(MessageComponentType.Value, "in");

    [Test]
    public void A_returned_array_carries_the_next_record_of_its_length_and_no_other()
    {
        var bytes = new RecordBytes(capacity: 10);
        var first = bytes.Deserialize("abcdef"u8, isNull: false, s_value);
        Assert.That(first, Is.EqualTo("abcdef"u8.ToArray()));

        bytes.Return([Record(first)]);
        Assert.That(bytes.Kept, Is.EqualTo(1));
        var longer = bytes.Deserialize("abcdefg"u8, isNull: false, s_value);
        var same = bytes.Deserialize("uvwxyz"u8, isNull: false, s_value);

        Assert.That(longer, Is.Not.SameAs(first), "another length gets an array of its own");
        Assert.That(longer, Is.EqualTo("abcdefg"u8.ToArray()));
        Assert.That(same, Is.SameAs(first), "the kept array of that length is used again");
        Assert.That(same, Is.EqualTo("uvwxyz"u8.ToArray()));
        Assert.That(bytes.Kept, Is.Zero);
    }

    [Test]
    public void Null_empty_and_long_arrays_are_copied_as_Confluent_Kafka_does_and_never_kept()
    {
        var bytes = new RecordBytes(capacity: 10);
        var large = new byte[RecordBytes.MaxKeptLength + 1];
        large[^1] = 7;

        Assert.That(bytes.Deserialize([], isNull: true, s_value), Is.Null);
        var empty = bytes.Deserialize([], isNull: false, s_value);
        var copy = bytes.Deserialize(large, isNull: false, s_value);
        Assert.That(empty, Is.Empty);
        Assert.That(copy, Is.EqualTo(large).And.Not.SameAs(large));

        bytes.Return([Record(empty), Record(copy), new ConsumeResult<byte[], byte[]> { Message = new Message<byte[], byte[]>() }]);
        Assert.That(bytes.Kept, Is.Zero);
    }

    [Test]
    public void No_more_arrays_are_kept_than_the_capacity()
    {
        var bytes = new RecordBytes(capacity: 3);
        bytes.Return([.. Enumerable.Range(0, 5).Select(_ => Record(new byte[8], key: new byte[4]))]);

        Assert.That(bytes.Kept, Is.EqualTo(3));
    }

    [Test]
    public async Task The_engine_uses_the_arrays_of_committed_batches_again_and_every_output_stays_exact()
    {
        // 2,000 records in batches of 10: with arrays given back before their batch was produced, a later record of
        // the same length would overwrite them and an output would be wrong or missing.
        using var engine = new EngineHarness(new FakeCluster("in", partitions: 4, recordsPerPartition: 500));

        await engine.RunToEndAsync();

        Assert.That(engine.Outputs(), Is.EquivalentTo(engine.ExpectedOutputs()));
        var consumer = engine.Clients.Consumer!;
        Assert.That(consumer.RecordsConsumed, Is.GreaterThanOrEqualTo(2_000));
        Assert.That(consumer.ValueArrays, Is.LessThan(consumer.RecordsConsumed / 10), "arrays were used again");
    }

    private static ConsumeResult<byte[], byte[]> Record(byte[] value, byte[]? key = null) =>
        new() { Message = new Message<byte[], byte[]> { Key = key!, Value = value } };
}
