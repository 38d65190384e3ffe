using FraudStream.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FraudStream.Cli.Tests.Api;

/// <summary>RequestBody reads a body that arrives in many pieces, of known or unknown length, into one pooled buffer.</summary>
public sealed class RequestBodyTests
{
    private static byte[] Bytes(int length) => [.. Enumerable.Range(0, length).Select(i => (byte)('a' + (i % 26)))];

    private static DefaultHttpContext Request(byte[] body, bool knownLength)
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = knownLength ? body.Length : null;
        context.Request.Body = new Trickle(body);
        return context;
    }

    [TestCase(0, true)]
    [TestCase(1, false)]
    [TestCase(4 * 1024, false)]
    [TestCase((40 * 1024) + 7, false)]
    [TestCase((40 * 1024) + 7, true)]
    public async Task A_body_in_pieces_is_read_whole(int length, bool knownLength)
    {
        var bytes = Bytes(length);

        using var body = await RequestBody.ReadAsync(Request(bytes, knownLength), limit: 64 * 1024);

        Assert.That(body.Refusal, Is.Null);
        Assert.That(body.Memory.ToArray(), Is.EqualTo(bytes));
    }

    [Test]
    public async Task A_body_of_unknown_length_over_the_limit_is_refused_with_413()
    {
        using var body = await RequestBody.ReadAsync(Request(Bytes((64 * 1024) + 1), knownLength: false), limit: 64 * 1024);

        Assert.That((body.Refusal as ProblemHttpResult)?.StatusCode, Is.EqualTo(StatusCodes.Status413PayloadTooLarge));
    }

    /// <summary>A body that arrives at most 1,000 bytes a read, as from a slow client.</summary>
    private sealed class Trickle(byte[] bytes) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1000));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 1000)], cancellationToken);
    }
}
