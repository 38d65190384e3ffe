using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;

namespace FraudStream.Registry.Stores;

/// <summary>Which S3 failures may pass by themselves (worth a retry) and how to say what went wrong in one phrase.</summary>
internal static class S3Failures
{
    /// <summary>
    /// True for 5xx answers, throttling (503 SlowDown, 429), timeouts and refused or reset connections; false for every
    /// other 4xx answer and for cancellation by the caller.
    /// </summary>
    public static bool IsTransient(Exception exception, CancellationToken callerToken)
    {
        if (callerToken.IsCancellationRequested && exception is OperationCanceledException)
        {
            return false;
        }

        if (exception is AmazonServiceException { StatusCode: not 0 } service)
        {
            // S3 throttles with 503 SlowDown; 429 is the one 4xx that also means "later", not "never".
            return (int)service.StatusCode >= 500 || service.StatusCode == HttpStatusCode.TooManyRequests;
        }

        for (var current = exception; current is not null; current = current.InnerException)
        {
            // IOException covers a connection reset mid-body; a missing file (say, a credentials profile) is no network failure.
            if (current is HttpRequestException or SocketException or TimeoutException or OperationCanceledException
                || (current is IOException && current is not (FileNotFoundException or DirectoryNotFoundException)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What went wrong, in a phrase: the server's status and code, or the network error.</summary>
    public static string Describe(Exception exception, TimeSpan requestTimeout)
    {
        if (exception is AmazonServiceException { StatusCode: not 0 } service)
        {
            return $"{(int)service.StatusCode} {service.ErrorCode}: {service.Message}";
        }

        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case SocketException socket:
                    return $"{socket.SocketErrorCode}: {socket.Message}";
                case TimeoutException or OperationCanceledException:
                    return $"no answer within the request timeout of {requestTimeout.TotalSeconds:0.###} s";
                case HttpRequestException http when http.InnerException is null or not (SocketException or IOException):
                    return http.Message;
                default:
                    break;
            }
        }

        return exception.Message;
    }
}
