namespace FraudStream.Testing;

/// <summary>A clock that moves only when the test says so (version names, promotion times, windows), never for delays.</summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
