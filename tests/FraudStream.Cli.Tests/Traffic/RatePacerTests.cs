using FraudStream.Cli.Traffic;
using Microsoft.Extensions.Time.Testing;

namespace FraudStream.Cli.Tests.Traffic;

/// <summary>The load generator's pacing, on a fake clock: records evenly spaced, and no burst after a slow first send.</summary>
public sealed class RatePacerTests
{
    [Test]
    public void A_sender_behind_schedule_sends_at_once_and_one_ahead_waits_its_turn()
    {
        var time = new FakeTimeProvider();
        var pacer = new RatePacer(100, time); // one record every 10 ms

        var first = pacer.WaitForTurnAsync(0, CancellationToken.None);
        var second = pacer.WaitForTurnAsync(1, CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(9));
        var secondAfter9 = second.IsCompleted;
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Multiple(() =>
        {
            Assert.That(first.IsCompleted, Is.True, "record 0 is due at the start");
            Assert.That(secondAfter9, Is.False, "record 1 is not due before 10 ms");
            Assert.That(second.IsCompleted, Is.True, "record 1 is due at 10 ms");
        });
    }

    [Test]
    public void After_a_restart_the_next_record_waits_its_interval_instead_of_catching_up()
    {
        var time = new FakeTimeProvider();
        var pacer = new RatePacer(100, time);
        time.Advance(TimeSpan.FromMilliseconds(50)); // the first send took 50 ms

        var withoutRestart = pacer.WaitForTurnAsync(1, CancellationToken.None);
        pacer.Restart();
        var afterRestart = pacer.WaitForTurnAsync(1, CancellationToken.None);
        var waitedBeforeItsTime = afterRestart.IsCompleted;
        time.Advance(TimeSpan.FromMilliseconds(10));

        Assert.Multiple(() =>
        {
            Assert.That(withoutRestart.IsCompleted, Is.True, "behind schedule, record 1 would go at once (records 1 to 5 in a burst)");
            Assert.That(waitedBeforeItsTime, Is.False, "after the restart record 1 is due 10 ms later");
            Assert.That(afterRestart.IsCompleted, Is.True);
            Assert.That(pacer.Elapsed, Is.EqualTo(TimeSpan.FromMilliseconds(10)));
        });
    }
}
