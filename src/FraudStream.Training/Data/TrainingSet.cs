using System.Security.Cryptography;
using System.Text;
using FraudStream.Core.Models;
using FraudStream.Core.Transactions;

namespace FraudStream.Training.Data;

/// <summary>
/// What a model is trained on: the labelled transactions it learns from, the transactions whose label is not known yet
/// (they only enter their cards' history, as they did in the stream), and where the data came from.
/// </summary>
/// <param name="Rows">The labelled transactions, in any order.</param>
/// <param name="Source">Where they came from, as the model's metadata records it.</param>
public sealed record TrainingSet(IReadOnlyList<LabelledTransaction> Rows, TrainingSource Source)
{
    /// <summary>Transactions without a label yet: observed by the history replay, never trained on.</summary>
    public IReadOnlyList<Transaction> Unlabelled { get; init; } = [];

    /// <summary>Labelled transactions before the rows (a warm-up): observed by the history replay with their labels, never trained on.</summary>
    public IReadOnlyList<LabelledTransaction> WarmUp { get; init; } = [];
}

/// <summary>Where training data came from.</summary>
/// <param name="Name">The input file's name, or <c>kafka:&lt;topic&gt;</c>.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the data (see <see cref="Sha256OfRows"/> for data that is not a file).</param>
/// <param name="Window">For data read from a stream: the event-time range asked for, [From, To).</param>
/// <param name="Labels">How the labels were taken as known, when the source decides it (else the trainer describes label_time or the fixed delay).</param>
public sealed record TrainingSource(string Name, string Sha256, TimeRange? Window = null, string? Labels = null)
{
    /// <summary>
    /// The SHA-256 of <paramref name="rows"/> written as the labelled-transactions CSV, in the given order: the hash the
    /// same rows have as a file, so data read from a stream and its CSV export record the same hash.
    /// </summary>
    public static string Sha256OfRows(IEnumerable<LabelledTransaction> rows)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var writer = new StreamWriter(new HashSink(hash), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 16))
        {
            LabelledTransactionCsv.Write(writer, rows);
        }

        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }

    /// <summary>A write-only stream that only hashes what is written: the CSV is never held whole.</summary>
    private sealed class HashSink(IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => hash.AppendData(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => hash.AppendData(buffer);

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
