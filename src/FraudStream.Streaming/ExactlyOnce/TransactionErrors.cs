using Confluent.Kafka;

namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>How the scorer reads a transactional producer's errors.</summary>
public static class TransactionErrors
{
    /// <summary>
    /// True when a newer producer with the same transactional.id has fenced this one: another live instance holds the
    /// id, and rebuilding would only fence it in turn, so the fenced instance stops. Other fatal errors are not fences
    /// (the producer is rebuilt with the same id).
    /// </summary>
    /// <remarks>
    /// librdkafka 2.15 reports a fence that arrives in the AddOffsetsToTxn response (PRODUCER_FENCED, as the dev broker
    /// and brokers answering a newer request version send it) as an abortable error with code Local_Fenced, not a fatal
    /// one; aborting and retrying such a producer fences it again on every batch, so the code decides, not the flag.
    /// </remarks>
    public static bool IsFenced(Error error) =>
        error is { Code: ErrorCode.Local_Fenced or ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch };
}
