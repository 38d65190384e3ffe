namespace FraudStream.Registry.Tests.Infrastructure;

/// <summary>A clock that moves only when the test says so (for version names and promotion times, never for delays).</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
