namespace FraudStream.XGBoost;

/// <summary>XGBoost refused an operation, or a model is not one XGBoost can safely load; the message says which and why.</summary>
public sealed class XGBoostException : Exception
{
    public XGBoostException()
    {
    }

    public XGBoostException(string message)
        : base(message)
    {
    }

    public XGBoostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>A failure reported by libxgboost: <paramref name="nativeError"/> is its XGBGetLastError text.</summary>
    public XGBoostException(string message, string nativeFunction, string nativeError)
        : base($"{message}: {Summarize(nativeError)} ({nativeFunction})")
    {
        NativeFunction = nativeFunction;
        NativeError = nativeError;
    }

    /// <summary>The C API function that failed, e.g. "XGBoosterUpdateOneIter"; null when FraudStream refused before calling XGBoost.</summary>
    public string? NativeFunction { get; }

    /// <summary>XGBoost's own error text (XGBGetLastError, without its backtrace); null when FraudStream refused before calling XGBoost.</summary>
    public string? NativeError { get; }

    // XGBoost prefixes fatal log lines with "[hh:mm:ss] ./src/file.cc:123: ": noise for a reader, kept in NativeError.
    private static string Summarize(string nativeError)
    {
        var text = nativeError.Trim();
        if (text.StartsWith('[') && text.IndexOf("] ", StringComparison.Ordinal) is > 0 and var stampEnd)
        {
            text = text[(stampEnd + 2)..];
        }

        var location = text.IndexOf(": ", StringComparison.Ordinal);
        if (location > 0 && text[..location] is var prefix
            && (prefix.Contains(".cc:", StringComparison.Ordinal) || prefix.Contains(".h:", StringComparison.Ordinal)))
        {
            text = text[(location + 2)..];
        }

        return text.Trim();
    }
}
