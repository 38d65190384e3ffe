using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace FraudStream.DevBroker;

/// <summary>Source-generated bindings to the parts of librdkafka's C API that run its mock cluster.</summary>
/// <remarks>
/// "fraudstream-devbroker" resolves to libfraudstream-devbroker.so beside the app: librdkafka with FraudStream's
/// mock-cluster patch, built by deploy/librdkafka/build.sh under its own name and SONAME and linked -Bsymbolic, so
/// it never stands in for the official librdkafka that Confluent.Kafka loads, and both can share one process.
/// </remarks>
internal static partial class LibrdkafkaMock
{
    private const string Library = "fraudstream-devbroker";

    /// <summary>RD_KAFKA_PRODUCER from rd_kafka_type_t.</summary>
    internal const int ProducerType = 0;

    /// <summary>RD_KAFKA_CONF_OK from rd_kafka_conf_res_t.</summary>
    internal const int ConfOk = 0;

    /// <summary>RD_KAFKA_RESP_ERR_NO_ERROR from rd_kafka_resp_err_t.</summary>
    internal const int NoError = 0;

    /// <summary>Size of the buffers librdkafka writes its error text into; its own examples use 512.</summary>
    internal const int ErrorTextCapacity = 512;

    [LibraryImport(Library, EntryPoint = "rd_kafka_version_str")]
    internal static partial nint VersionString();

    [LibraryImport(Library, EntryPoint = "rd_kafka_conf_new")]
    internal static partial ConfHandle ConfNew();

    [LibraryImport(Library, EntryPoint = "rd_kafka_conf_destroy")]
    internal static partial void ConfDestroy(nint conf);

    [LibraryImport(Library, EntryPoint = "rd_kafka_conf_set", StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int ConfSet(ConfHandle conf, string name, string value, byte* errorText, nuint errorTextSize);

    /// <summary>On success librdkafka owns <paramref name="conf"/>; on failure the caller still does.</summary>
    [LibraryImport(Library, EntryPoint = "rd_kafka_new")]
    internal static unsafe partial KafkaHandle KafkaNew(int type, ConfHandle conf, byte* errorText, nuint errorTextSize);

    [LibraryImport(Library, EntryPoint = "rd_kafka_destroy")]
    internal static partial void KafkaDestroy(nint kafka);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_cluster_new")]
    internal static partial MockClusterHandle MockClusterNew(KafkaHandle kafka, int brokerCount);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_cluster_destroy")]
    internal static partial void MockClusterDestroy(nint cluster);

    /// <summary>Returns a string owned by the cluster: copy it, never free it.</summary>
    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    internal static partial nint MockClusterBootstraps(MockClusterHandle cluster);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MockTopicCreate(MockClusterHandle cluster, string topic, int partitionCount, int replicationFactor);

    /// <summary>
    /// FraudStream's patch to librdkafka (deploy/librdkafka): sets the retention cap of partitions created afterwards.
    /// </summary>
    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_partition_retention_set")]
    internal static partial void MockPartitionRetentionSet(MockClusterHandle cluster, long maxBytes, long maxMessageSets);

    /// <summary>Returns a static string: copy it, never free it.</summary>
    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_group_initial_rebalance_delay_ms")]
    internal static partial void MockGroupInitialRebalanceDelayMs(MockClusterHandle cluster, int delayMs);

    // Fault injection. librdkafka declares some of these variadic (C "..."); LibraryImport has no varargs, so they are
    // bound with the fixed count of integer arguments each call passes (one error, or one error and its delay). On
    // x86-64 System V, the only ABI deploy/librdkafka builds the library for, such arguments travel in the same registers
    // either way.

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_push_request_errors_array")]
    internal static partial void MockPushRequestErrorsArray(MockClusterHandle cluster, short apiKey, nuint count, ReadOnlySpan<int> errors);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_clear_request_errors")]
    internal static partial void MockClearRequestErrors(MockClusterHandle cluster, short apiKey);

    /// <summary>Variadic in C: bound for one (error, rtt) pair.</summary>
    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_broker_push_request_error_rtts")]
    internal static partial int MockBrokerPushRequestErrorRtt(MockClusterHandle cluster, int brokerId, short apiKey, nuint count, int error, int rttMs);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_broker_error_stack_cnt")]
    internal static partial int MockBrokerErrorStackCount(MockClusterHandle cluster, int brokerId, short apiKey, out nuint count);

    /// <summary>Variadic in C: bound for one error.</summary>
    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_partition_push_request_errors", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MockPartitionPushRequestError(MockClusterHandle cluster, string topic, int partition, short apiKey, nuint count, int error);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_broker_set_down")]
    internal static partial int MockBrokerSetDown(MockClusterHandle cluster, int brokerId);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_broker_set_up")]
    internal static partial int MockBrokerSetUp(MockClusterHandle cluster, int brokerId);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_broker_set_rtt")]
    internal static partial int MockBrokerSetRtt(MockClusterHandle cluster, int brokerId, int rttMs);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_coordinator_set", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MockCoordinatorSet(MockClusterHandle cluster, string keyType, string key, int brokerId);

    [LibraryImport(Library, EntryPoint = "rd_kafka_err2str")]
    internal static partial nint ErrorToString(int error);

    internal static string Version() => Marshal.PtrToStringUTF8(VersionString()) ?? "unknown";

    internal static string? Bootstraps(MockClusterHandle cluster) => Marshal.PtrToStringUTF8(MockClusterBootstraps(cluster));

    internal static string Describe(int error) => Marshal.PtrToStringUTF8(ErrorToString(error)) ?? $"error {error}";

    internal static unsafe string ErrorText(byte* buffer) =>
        Marshal.PtrToStringUTF8((nint)buffer) is { Length: > 0 } text ? text : "no details given";
}

/// <summary>An rd_kafka_conf_t until rd_kafka_new takes ownership of it.</summary>
internal sealed class ConfHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ConfHandle()
        : base(ownsHandle: true)
    {
    }

    /// <summary>rd_kafka_new succeeded and now owns the configuration.</summary>
    public void TransferOwnership() => SetHandleAsInvalid();

    protected override bool ReleaseHandle()
    {
        LibrdkafkaMock.ConfDestroy(handle);
        return true;
    }
}

/// <summary>An rd_kafka_t; destroyed only after every mock cluster created on it.</summary>
internal sealed class KafkaHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public KafkaHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        LibrdkafkaMock.KafkaDestroy(handle);
        return true;
    }
}

/// <summary>An rd_kafka_mock_cluster_t; holds a reference on its rd_kafka_t so that one outlives it.</summary>
internal sealed class MockClusterHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private KafkaHandle? _owner;

    public MockClusterHandle()
        : base(ownsHandle: true)
    {
    }

    /// <summary>Keeps <paramref name="owner"/> alive until this cluster is destroyed, even under finalization.</summary>
    public void AttachOwner(KafkaHandle owner)
    {
        var added = false;
        owner.DangerousAddRef(ref added);
        _owner = owner;
    }

    protected override bool ReleaseHandle()
    {
        LibrdkafkaMock.MockClusterDestroy(handle);
        _owner?.DangerousRelease();
        return true;
    }
}
