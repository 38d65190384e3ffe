using System.Buffers;
using FraudStream.Core.Outputs;

namespace FraudStream.Avro;

/// <summary><see cref="TransactionScore"/> ↔ Avro binary for schemas/transaction_score.avsc. Thread-safe.</summary>
public sealed class TransactionScoreAvroCodec
{
    /// <summary>schemas/transaction_score.avsc.</summary>
    public static RecordSchema Schema => EmbeddedSchemas.TransactionScore;

    /// <summary>Encodes with schemas/transaction_score.avsc.</summary>
    public void Encode(TransactionScore score, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(score);
        var w = new AvroWriter(output);
        w.WriteString(score.TransactionId);
        w.WriteString(score.CardId);
        w.WriteFloat(score.Score);
        w.WriteFloat(score.Threshold);
        w.WriteBoolean(score.IsFraud);
        w.WriteString(score.ModelVersion);
        w.WriteString(score.SourceTopic);
        w.WriteInt(score.SourcePartition);
        w.WriteLong(score.SourceOffset);
        w.WriteLong(score.EventTime.ToUnixTimeMilliseconds());
        w.WriteLong(score.ScoredTime.ToUnixTimeMilliseconds());
    }

    /// <summary>Decodes a body written with <paramref name="writerSchema"/> (default: schemas/transaction_score.avsc). Not a hot path.</summary>
    public TransactionScore Decode(ReadOnlySpan<byte> body, AvroSchema? writerSchema = null)
    {
        AvroRecord record;
        try
        {
            record = (AvroRecord)ResolvedReader.For(writerSchema ?? Schema, Schema).Read(body)!;
        }
        catch (AvroResolutionException e)
        {
            throw new AvroDecodingException(DecodeFailure.IncompatibleSchema, $"The writer schema cannot be read as a TransactionScore: {e.Message}");
        }

        return new TransactionScore(
            (string)record["transaction_id"]!,
            (string)record["card_id"]!,
            (float)record["score"]!,
            (float)record["threshold"]!,
            (bool)record["is_fraud"]!,
            (string)record["model_version"]!,
            (string)record["source_topic"]!,
            (int)record["source_partition"]!,
            (long)record["source_offset"]!,
            TimestampMillis.ToDateTimeOffset((long)record["event_time"]!),
            TimestampMillis.ToDateTimeOffset((long)record["scored_time"]!));
    }
}
