namespace FraudStream.Core.Features.History;

/// <summary>
/// A 32-bit FNV-1a hash of an id that is the same in every process (string.GetHashCode is randomised per process):
/// history stores merchant and terminal ids as these hashes, and the changelog carries them across instances.
/// </summary>
internal static class StableHash
{
    /// <summary>The hash of <paramref name="id"/>; never 0, which stands for "none".</summary>
    public static uint Of(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return 0;
        }

        var hash = 2166136261u;
        foreach (var c in id)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash == 0 ? 1 : hash;
    }
}
