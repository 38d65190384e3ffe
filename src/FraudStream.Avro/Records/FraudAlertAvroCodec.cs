using System.Buffers;
using FraudStream.Core.Outputs;

namespace FraudStream.Avro;

/// <summary><see cref="FraudAlert"/> ↔ Avro binary for schemas/fraud_alert.avsc. Thread-safe.</summary>
public sealed class FraudAlertAvroCodec
{
    /// <summary>schemas/fraud_alert.avsc.</summary>
    public static RecordSchema Schema => EmbeddedSchemas.FraudAlert;

    /// <summary>Encodes with schemas/fraud_alert.avsc.</summary>
    public void Encode(FraudAlert alert, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var w = new AvroWriter(output);
        w.WriteString(alert.TransactionId);
        w.WriteString(alert.CardId);
        w.WriteDouble(alert.Amount);
        w.WriteFloat(alert.Score);
        w.WriteFloat(alert.Threshold);
        w.WriteString(alert.ModelVersion);
        if (alert.TopFeatures.Count > 0)
        {
            w.WriteBlockCount(alert.TopFeatures.Count);
            foreach (var feature in alert.TopFeatures)
            {
                w.WriteString(feature.Name);
                w.WriteFloat(feature.Value);
                w.WriteFloat(feature.Contribution);
            }
        }

        w.WriteEndOfBlocks();
        w.WriteString(alert.SourceTopic);
        w.WriteInt(alert.SourcePartition);
        w.WriteLong(alert.SourceOffset);
        w.WriteLong(alert.EventTime.ToUnixTimeMilliseconds());
        w.WriteLong(alert.ScoredTime.ToUnixTimeMilliseconds());
    }

    /// <summary>Encodes into a new array.</summary>
    public byte[] Encode(FraudAlert alert)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Encode(alert, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a body written with <paramref name="writerSchema"/> (default: schemas/fraud_alert.avsc). Not a hot path.</summary>
    public FraudAlert Decode(ReadOnlySpan<byte> body, AvroSchema? writerSchema = null)
    {
        AvroRecord record;
        try
        {
            record = (AvroRecord)ResolvedReader.For(writerSchema ?? Schema, Schema).Read(body)!;
        }
        catch (AvroResolutionException e)
        {
            throw new AvroDecodingException(DecodeFailure.IncompatibleSchema, $"The writer schema cannot be read as a FraudAlert: {e.Message}");
        }

        var features = ((List<object?>)record["top_features"]!)
            .Cast<AvroRecord>()
            .Select(f => new FeatureContribution((string)f["name"]!, (float)f["value"]!, (float)f["contribution"]!))
            .ToList();
        return new FraudAlert(
            (string)record["transaction_id"]!,
            (string)record["card_id"]!,
            (double)record["amount"]!,
            (float)record["score"]!,
            (float)record["threshold"]!,
            (string)record["model_version"]!,
            features,
            (string)record["source_topic"]!,
            (int)record["source_partition"]!,
            (long)record["source_offset"]!,
            TimestampMillis.ToDateTimeOffset((long)record["event_time"]!),
            TimestampMillis.ToDateTimeOffset((long)record["scored_time"]!));
    }
}

/// <summary>Avro timestamp-millis → <see cref="DateTimeOffset"/> for the generic (non-hot-path) record decoders.</summary>
internal static class TimestampMillis
{
    public static DateTimeOffset ToDateTimeOffset(long millis) =>
        millis is >= -62_135_596_800_000L and <= 253_402_300_799_999L
            ? DateTimeOffset.FromUnixTimeMilliseconds(millis)
            : throw new AvroDecodingException(DecodeFailure.InvalidValue, $"The timestamp {millis} ms is outside years 1-9999");
}
