using FraudStream.Streaming.ExactlyOnce;

namespace FraudStream.Streaming.Tests;

public sealed class ProduceArraysTests
{
    [Test]
    public void An_array_of_the_exact_length_holds_the_bytes_and_is_refilled_for_the_next_record_of_that_length()
    {
        var arrays = new ProduceArrays();

        var first = arrays.Holding("abc"u8);
        var firstCopy = first.ToArray();
        var other = arrays.Holding("abcd"u8);
        var second = arrays.Holding("xyz"u8);
        var empty = arrays.Holding([]);

        Assert.Multiple(() =>
        {
            Assert.That(firstCopy, Is.EqualTo("abc"u8.ToArray()));
            Assert.That(other, Is.EqualTo("abcd"u8.ToArray()));
            Assert.That(second, Is.EqualTo("xyz"u8.ToArray()));
            Assert.That(second, Is.SameAs(first), "one array per length");
            Assert.That(empty, Is.Empty);
        });
    }

    [Test]
    public void A_record_longer_than_the_kept_lengths_gets_an_array_of_its_own()
    {
        var arrays = new ProduceArrays();
        var bytes = Enumerable.Range(0, ProduceArrays.MaxReusedLength + 1).Select(i => (byte)i).ToArray();

        var first = arrays.Holding(bytes);
        var second = arrays.Holding(bytes);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(bytes));
            Assert.That(second, Is.Not.SameAs(first));
        });
    }
}
