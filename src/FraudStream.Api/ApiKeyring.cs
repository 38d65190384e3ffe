using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace FraudStream.Api;

/// <summary>Who a request's X-API-Key says it is: a stable name for rate limiting and metrics, and whether it may administer.</summary>
internal sealed record ApiCaller(string Name, bool IsAdmin);

/// <summary>
/// The configured API keys, kept only as SHA-256 hashes. A presented key is hashed and compared with every known hash in
/// constant time, so neither the comparison nor the position of a match tells an attacker how close a guess was.
/// </summary>
internal sealed class ApiKeyring
{
    /// <summary>Longest key accepted, configured or presented: a longer presented one is not even hashed.</summary>
    public const int MaxKeyLength = 1024;

    private readonly List<(byte[] Hash, ApiCaller Caller)> _keys = [];

    /// <summary>Reads the keys of <paramref name="options"/> and of its keys file.</summary>
    /// <exception cref="InvalidDataException">The keys file holds a key that cannot work (the message names the line).</exception>
    /// <exception cref="IOException">The keys file cannot be read.</exception>
    public ApiKeyring(IOptions<ApiOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        foreach (var key in settings.Keys)
        {
            Add(key, admin: false);
        }

        foreach (var key in settings.AdminKeys)
        {
            Add(key, admin: true);
        }

        if (settings.KeysFile is { Length: > 0 } file)
        {
            var lineNumber = 0;
            foreach (var raw in File.ReadLines(file))
            {
                lineNumber++;
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#'))
                {
                    continue;
                }

                var admin = line.StartsWith("admin ", StringComparison.Ordinal);
                var key = admin ? line["admin ".Length..].Trim() : line;
                if (Problem(key) is { } problem)
                {
                    throw new InvalidDataException($"Api:KeysFile '{file}' line {lineNumber}: {problem}");
                }

                Add(key, admin);
            }
        }
    }

    /// <summary>Number of keys known.</summary>
    public int Count => _keys.Count;

    /// <summary>Why <paramref name="key"/> cannot be an API key, or null when it can.</summary>
    public static string? Problem(string? key) =>
        string.IsNullOrEmpty(key) ? $"is empty: an API key needs at least {ApiOptionsValidator.MinKeyLength} characters."
        : key.Length < ApiOptionsValidator.MinKeyLength ? $"is {key.Length} characters long: an API key needs at least {ApiOptionsValidator.MinKeyLength}."
        : key.Length > MaxKeyLength ? $"is {key.Length} characters long: an API key may have at most {MaxKeyLength}, or no request could present it."
        : key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || !char.IsAscii(c)) ? "contains white space, control or non-ASCII characters, which an X-API-Key header cannot carry."
        : null;

    /// <summary>The caller a presented key belongs to, or null when the key is unknown.</summary>
    public ApiCaller? Identify(string? presented)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > MaxKeyLength)
        {
            return null;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), hash);
        ApiCaller? found = null;
        foreach (var (known, caller) in _keys)
        {
            // Every hash is compared, match or not: the time taken does not depend on which key matched.
            if (CryptographicOperations.FixedTimeEquals(hash, known) && (found is null || caller.IsAdmin))
            {
                found = caller;
            }
        }

        return found;
    }

    private void Add(string key, bool admin)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        // The name is derived from the hash, so logs, metrics and rate-limit partitions never carry the key itself.
        _keys.Add((hash, new ApiCaller("key-" + Convert.ToHexStringLower(hash.AsSpan(0, 4)), admin)));
    }
}
