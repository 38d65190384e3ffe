
namespace FraudStream.Testing;

/// <summary>The tests' polling helper: waits for a condition, failing with context after a generous limit (a liveness bound, not a measurement).</summary>
public static class Eventually
{
    /// <summary>Returns once <paramref name="condition"/> holds; fails the test naming <paramref name="what"/> if it does not within <paramref name="within"/> (30 s).</summary>
    public static async Task TrueAsync(Func<bool> condition, string what, Func<string>? context = null, TimeSpan? within = null)
    {
        var limit = within ?? TimeSpan.FromSeconds(30);
        var started = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            if (TimeProvider.System.GetElapsedTime(started) > limit)
            {
                Assert.Fail($"Not true within {limit.TotalSeconds} s: {what}. {context?.Invoke()}");
            }

            await Task.Delay(5);
        }
    }
}
