using System.Buffers;
using FraudStream.Core.Transactions;

namespace FraudStream.Avro;

/// <summary>
/// <see cref="FraudLabel"/> ↔ Avro binary for schemas/fraud_label.avsc. Decoding accepts any compatible writer schema
/// (resolution compiled once per writer schema) and validates the values; the scorer reads every label, so this is a
/// typed decoder like <see cref="TransactionAvroCodec"/>, not a generic record. Thread-safe.
/// </summary>
public sealed class FraudLabelAvroCodec
{
    private const int TransactionId = 0;
    private const int CardId = 1;
    private const int MerchantId = 2;
    private const int TerminalId = 3;
    private const int IsFraud = 4;
    private const int EventTime = 5;
    private const int LabelTime = 6;

    private static readonly string[] FieldOrder = ["transaction_id", "card_id", "merchant_id", "terminal_id", "is_fraud", "event_time", "label_time"];

    private readonly PlanCache<Plan> _plans = new(Schema, BuildPlan);

    /// <summary>The reader schema: schemas/fraud_label.avsc.</summary>
    public static RecordSchema Schema => EmbeddedSchemas.FraudLabel;

    /// <summary>Encodes with schemas/fraud_label.avsc.</summary>
    /// <exception cref="ArgumentException">The label breaks the contract (an empty id, a label time before the event time).</exception>
    public void Encode(FraudLabel label, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (Validate(label) is { } problem)
        {
            throw new ArgumentException($"The label of transaction '{label.TransactionId}' cannot be encoded: {problem.Message}", nameof(label));
        }

        var w = new AvroWriter(output);
        w.WriteString(label.TransactionId);
        w.WriteString(label.CardId);
        w.WriteString(label.MerchantId);
        if (label.TerminalId is null)
        {
            w.WriteUnionIndex(0);
        }
        else
        {
            w.WriteUnionIndex(1);
            w.WriteString(label.TerminalId);
        }

        w.WriteBoolean(label.IsFraud);
        w.WriteLong(label.EventTime.ToUnixTimeMilliseconds());
        w.WriteLong(label.LabelTime.ToUnixTimeMilliseconds());
    }

    /// <summary>Encodes with schemas/fraud_label.avsc into a new array.</summary>
    public byte[] Encode(FraudLabel label)
    {
        var buffer = new ArrayBufferWriter<byte>(96);
        Encode(label, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a body written with schemas/fraud_label.avsc itself.</summary>
    public FraudLabel Decode(ReadOnlySpan<byte> body) => Decode(body, _plans.Own);

    /// <summary>Decodes a body written with <paramref name="writerSchema"/> (e.g. the registry's schema for the message's id).</summary>
    /// <exception cref="AvroDecodingException">The bytes, the schema pair or a value is bad; <see cref="AvroDecodingException.Reason"/> says which.</exception>
    public FraudLabel Decode(ReadOnlySpan<byte> body, AvroSchema writerSchema) => Decode(body, _plans.For(writerSchema));

    private static FraudLabel Decode(ReadOnlySpan<byte> body, Plan plan)
    {
        if (plan.Failure is { } failure)
        {
            throw new AvroDecodingException(failure.Reason, failure.Message);
        }

        var reader = new AvroReader(body);
        var f = plan.Defaults;
        foreach (var step in plan.Steps)
        {
            var r = step.Resolver;
            switch (step.ReaderPosition)
            {
                case TransactionId:
                    f.TransactionId = r.ReadString(ref reader);
                    break;
                case CardId:
                    f.CardId = r.ReadString(ref reader);
                    break;
                case MerchantId:
                    f.MerchantId = r.ReadString(ref reader);
                    break;
                case TerminalId:
                    // The reader's terminal_id is ["null", "string"]: branch 0 is null.
                    var inner = r.ReadUnionBranch(ref reader, out var branch);
                    f.TerminalId = branch == 0 ? null : inner.ReadString(ref reader);
                    break;
                case IsFraud:
                    f.IsFraud = r.ReadBoolean(ref reader);
                    break;
                case EventTime:
                    f.EventTimeMillis = r.ReadLong(ref reader);
                    break;
                case LabelTime:
                    f.LabelTimeMillis = r.ReadLong(ref reader);
                    break;
                default:
                    r.Skip(ref reader);
                    break;
            }
        }

        reader.EnsureEnd();
        var label = new FraudLabel(
            f.TransactionId!,
            f.CardId!,
            f.MerchantId!,
            f.TerminalId,
            f.IsFraud,
            ToTime(f.EventTimeMillis, "event_time", f.TransactionId),
            ToTime(f.LabelTimeMillis, "label_time", f.TransactionId));
        if (Validate(label) is { } problem)
        {
            throw new AvroDecodingException(problem.Reason, $"The label of transaction '{label.TransactionId}' is invalid: {problem.Message}");
        }

        return label;
    }

    private static DateTimeOffset ToTime(long millis, string field, string? transactionId) =>
        millis is >= -62_135_596_800_000L and <= 253_402_300_799_999L
            ? DateTimeOffset.FromUnixTimeMilliseconds(millis)
            : throw new AvroDecodingException(DecodeFailure.InvalidValue, $"The label of transaction '{transactionId}' is invalid: {field} {millis} ms is outside years 1-9999");

    private static (DecodeFailure Reason, string Message)? Validate(FraudLabel label)
    {
        if (string.IsNullOrEmpty(label.TransactionId))
        {
            return (DecodeFailure.MissingRequiredField, "transaction_id is empty");
        }

        if (string.IsNullOrEmpty(label.CardId))
        {
            return (DecodeFailure.MissingRequiredField, "card_id is empty");
        }

        if (string.IsNullOrEmpty(label.MerchantId))
        {
            return (DecodeFailure.MissingRequiredField, "merchant_id is empty");
        }

        // A label known before its transaction happened would let history features see the future.
        return label.LabelTime < label.EventTime
            ? (DecodeFailure.InvalidValue, $"label_time {label.LabelTime:O} is before event_time {label.EventTime:O}")
            : null;
    }

    private static Plan BuildPlan(AvroSchema writerSchema)
    {
        RecordPlans.CheckFieldOrder(Schema, FieldOrder, "fraud_label.avsc", nameof(FraudLabelAvroCodec));
        if (RecordPlans.Compile(writerSchema, Schema, nameof(FraudLabel), out var failure) is not { } root)
        {
            return new Plan([], default, failure);
        }

        // Only terminal_id has a default in the contract; a writer without it wrote labels of terminal-less transactions.
        var defaults = default(Fields);
        foreach (var d in root.Defaults)
        {
            if (d.ReaderPosition == TerminalId)
            {
                defaults.TerminalId = d.Value as string;
            }
        }

        return new Plan(root.Steps, defaults, null);
    }

    private sealed record Plan(FieldStep[] Steps, Fields Defaults, (DecodeFailure Reason, string Message)? Failure);

    private struct Fields
    {
        public string? TransactionId;
        public string? CardId;
        public string? MerchantId;
        public string? TerminalId;
        public bool IsFraud;
        public long EventTimeMillis;
        public long LabelTimeMillis;
    }
}
