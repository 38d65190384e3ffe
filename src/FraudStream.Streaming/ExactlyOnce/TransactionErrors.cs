using Confluent.Kafka;

namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>How the scorer reads a transactional producer's errors.</summary>
public static class TransactionErrors
{
    /// <summary>
    /// True when the producer can no longer finish transactions: a fatal error, or a newer producer with the same
    /// transactional.id has fenced it. Such a producer is rebuilt, never aborted and retried.
    /// </summary>
    /// <remarks>
    /// librdkafka 2.15 reports a fence that arrives in the AddOffsetsToTxn response (PRODUCER_FENCED, as the dev broker
    /// and brokers answering a newer request version send it) as an abortable error with code Local_Fenced, not a fatal
    /// one; aborting and retrying such a producer fences it again on every batch, so the code decides, not the flag.
    /// </remarks>
    public static bool IsFenced(Error error) =>
        error.IsFatal || error.Code is ErrorCode.Local_Fenced or ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch;
}
