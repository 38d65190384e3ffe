
namespace FraudStream.Testing;

/// <summary>
/// The tests' one polling helper: waits for a condition, failing with context after a generous limit (a liveness bound,
/// not a measurement). Every wait-until in the tests goes through it.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan s_defaultLimit = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_defaultInterval = TimeSpan.FromMilliseconds(5);

    /// <summary>Returns once <paramref name="condition"/> holds; fails the test naming <paramref name="what"/> if it does not within <paramref name="within"/> (30 s).</summary>
    /// <param name="condition">Checked at once, then every <paramref name="every"/> (5 ms).</param>
    /// <param name="what">What should become true, for the failure message.</param>
    /// <param name="context">Adds to the failure message what the test knows (a transcript, the last value seen).</param>
    /// <param name="within">How long to wait.</param>
    /// <param name="every">How long to wait between checks: longer for a condition that asks a broker or a server.</param>
    public static Task TrueAsync(Func<bool> condition, string what, Func<string>? context = null, TimeSpan? within = null, TimeSpan? every = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return TrueAsync(() => Task.FromResult(condition()), what, context, within, every);
    }

    /// <summary>As <see cref="TrueAsync(Func{bool}, string, Func{string}?, TimeSpan?, TimeSpan?)"/>, for a condition that awaits (an HTTP call).</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, Func<string>? context = null, TimeSpan? within = null, TimeSpan? every = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = within ?? s_defaultLimit;
        var started = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            if (TimeProvider.System.GetElapsedTime(started) > limit)
            {
                Assert.Fail($"Not true within {limit.TotalSeconds} s: {what}. {context?.Invoke()}");
            }

            await Task.Delay(every ?? s_defaultInterval);
        }
    }
}
