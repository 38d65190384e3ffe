namespace FraudStream.Registry.Stores;

/// <summary>Checks store keys once for every implementation, so a key means the same blob in every store.</summary>
internal static class StoreKey
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="key"/> is a relative '/'-separated key.</summary>
    public static void Validate(string key, string parameterName = "key")
    {
        ArgumentNullException.ThrowIfNull(key, parameterName);
        if (!IsValid(key, allowTrailingSlash: false))
        {
            throw new ArgumentException(
                $"'{key}' is not a model store key: use non-empty segments separated by '/', without '.', '..', backslashes or a leading '/'.",
                parameterName);
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="prefix"/> is empty or the start of a valid key.</summary>
    public static void ValidatePrefix(string prefix, string parameterName = "prefix")
    {
        ArgumentNullException.ThrowIfNull(prefix, parameterName);
        if (prefix.Length > 0 && !IsValid(prefix, allowTrailingSlash: true))
        {
            throw new ArgumentException(
                $"'{prefix}' is not a model store prefix: use non-empty segments separated by '/', without '.', '..', backslashes or a leading '/'.",
                parameterName);
        }
    }

    private static bool IsValid(string key, bool allowTrailingSlash)
    {
        if (key.Length == 0 || key.Contains('\\', StringComparison.Ordinal) || key.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }

        var segments = key.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var isTrailingEmpty = allowTrailingSlash && i == segments.Length - 1 && segment.Length == 0 && i > 0;
            if (isTrailingEmpty)
            {
                continue;
            }

            if (segment.Length == 0 || segment is "." or "..")
            {
                return false;
            }
        }

        return true;
    }
}
