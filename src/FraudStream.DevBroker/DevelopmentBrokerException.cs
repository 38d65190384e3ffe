namespace FraudStream.DevBroker;

/// <summary>librdkafka refused to start or configure the development broker; the message carries librdkafka's own text.</summary>
public sealed class DevelopmentBrokerException : Exception
{
    public DevelopmentBrokerException()
    {
    }

    public DevelopmentBrokerException(string message)
        : base(message)
    {
    }

    public DevelopmentBrokerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DevelopmentBrokerException(string message, int errorCode)
        : base(message)
    {
        ErrorCode = errorCode;
    }

    /// <summary>librdkafka's rd_kafka_resp_err_t or rd_kafka_conf_res_t, when the failure came with one.</summary>
    public int? ErrorCode { get; }
}
