using Confluent.Kafka;

namespace FraudStream.DevBroker;

/// <summary>Kafka protocol request types (ApiKey) that fault injection can target.</summary>
public enum KafkaApi : short
{
    /// <summary>Produce.</summary>
    Produce = 0,

    /// <summary>Fetch.</summary>
    Fetch = 1,

    /// <summary>ListOffsets.</summary>
    ListOffsets = 2,

    /// <summary>Metadata.</summary>
    Metadata = 3,

    /// <summary>OffsetCommit.</summary>
    OffsetCommit = 8,

    /// <summary>OffsetFetch.</summary>
    OffsetFetch = 9,

    /// <summary>FindCoordinator.</summary>
    FindCoordinator = 10,

    /// <summary>JoinGroup.</summary>
    JoinGroup = 11,

    /// <summary>Heartbeat.</summary>
    Heartbeat = 12,

    /// <summary>SyncGroup.</summary>
    SyncGroup = 14,

    /// <summary>InitProducerId.</summary>
    InitProducerId = 22,

    /// <summary>AddPartitionsToTxn.</summary>
    AddPartitionsToTxn = 24,

    /// <summary>AddOffsetsToTxn.</summary>
    AddOffsetsToTxn = 25,

    /// <summary>EndTxn (commit or abort).</summary>
    EndTxn = 26,

    /// <summary>TxnOffsetCommit.</summary>
    TxnOffsetCommit = 28,
}

/// <summary>
/// Fault injection on the development broker (librdkafka's mock error stacks, broker outages, delays and coordinator
/// moves), for tests and drills that must prove the scorer survives them. Broker ids run from 1 to the broker count.
/// </summary>
public sealed partial class DevelopmentBroker
{
    /// <summary>The next requests of <paramref name="api"/> to any broker fail with <paramref name="errors"/>, one each, in order.</summary>
    public void PushRequestErrors(KafkaApi api, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var codes = errors.Select(e => (int)e).ToArray();
        LibrdkafkaMock.MockPushRequestErrorsArray(_cluster, (short)api, (nuint)codes.Length, codes);
    }

    /// <summary>Drops the errors still pushed for <paramref name="api"/> cluster-wide.</summary>
    public void ClearRequestErrors(KafkaApi api) => LibrdkafkaMock.MockClearRequestErrors(_cluster, (short)api);

    /// <summary>
    /// The next request of <paramref name="api"/> to broker <paramref name="brokerId"/> is handled as if it failed with
    /// <paramref name="error"/> (<see cref="ErrorCode.NoError"/>: handled normally), and its response is held back for
    /// <paramref name="delay"/>: with no error, a request the broker applied but whose answer comes late.
    /// </summary>
    public void PushBrokerRequestError(int brokerId, KafkaApi api, ErrorCode error, TimeSpan delay) =>
        Check(LibrdkafkaMock.MockBrokerPushRequestErrorRtt(_cluster, brokerId, (short)api, 1, (int)error, (int)delay.TotalMilliseconds), $"push an error for broker {brokerId}");

    /// <summary>How many injected errors for <paramref name="api"/> broker <paramref name="brokerId"/> has not served yet: 0 proves they fired.</summary>
    public int PendingBrokerRequestErrors(int brokerId, KafkaApi api)
    {
        Check(LibrdkafkaMock.MockBrokerErrorStackCount(_cluster, brokerId, (short)api, out var count), $"count broker {brokerId}'s errors");
        return (int)count;
    }

    /// <summary>The next request of <paramref name="api"/> naming this partition gets <paramref name="error"/> as its partition-level error.</summary>
    public void PushPartitionRequestError(string topic, int partition, KafkaApi api, ErrorCode error) =>
        Check(LibrdkafkaMock.MockPartitionPushRequestError(_cluster, topic, partition, (short)api, 1, (int)error), $"push an error for {topic} [{partition}]");

    /// <summary>Disconnects broker <paramref name="brokerId"/> (-1: all) and refuses new connections, without moving leadership.</summary>
    public void SetBrokerDown(int brokerId) => Check(LibrdkafkaMock.MockBrokerSetDown(_cluster, brokerId), $"set broker {brokerId} down");

    /// <summary>Accepts connections to broker <paramref name="brokerId"/> (-1: all) again.</summary>
    public void SetBrokerUp(int brokerId) => Check(LibrdkafkaMock.MockBrokerSetUp(_cluster, brokerId), $"set broker {brokerId} up");

    /// <summary>Delays every response of broker <paramref name="brokerId"/> (-1: all) by <paramref name="roundTrip"/>; zero removes the delay.</summary>
    public void SetBrokerRoundTripTime(int brokerId, TimeSpan roundTrip) =>
        Check(LibrdkafkaMock.MockBrokerSetRtt(_cluster, brokerId, (int)roundTrip.TotalMilliseconds), $"set broker {brokerId}'s round-trip time");

    /// <summary>Makes broker <paramref name="brokerId"/> the transaction coordinator of <paramref name="transactionalId"/>.</summary>
    public void SetTransactionCoordinator(string transactionalId, int brokerId) =>
        Check(LibrdkafkaMock.MockCoordinatorSet(_cluster, "transaction", transactionalId, brokerId), "move a transaction coordinator");

    /// <summary>Makes broker <paramref name="brokerId"/> the group coordinator of <paramref name="groupId"/>.</summary>
    public void SetGroupCoordinator(string groupId, int brokerId) =>
        Check(LibrdkafkaMock.MockCoordinatorSet(_cluster, "group", groupId, brokerId), "move a group coordinator");

    private static void Check(int error, string what)
    {
        if (error != LibrdkafkaMock.NoError)
        {
            throw new DevelopmentBrokerException($"The development broker could not {what}: {LibrdkafkaMock.Describe(error)}", error);
        }
    }
}
