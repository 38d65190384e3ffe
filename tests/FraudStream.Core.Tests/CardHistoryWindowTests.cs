using FraudStream.Core.Features.History;
using FraudStream.Core.Transactions;

namespace FraudStream.Core.Tests;

/// <summary>
/// The card windows' counts, sums and means against the plainest computation: for each window on its own, the amounts of
/// the card's earlier transactions within it, added newest first (the order the trainer's models were trained with).
/// </summary>
[TestFixture]
public sealed class CardHistoryWindowTests
{
    private static readonly DateTimeOffset s_start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Window_features_are_bit_for_bit_a_sum_of_each_window_of_its_own(int seed)
    {
        // Arrange: 400 transactions over about ten days, a quarter at the same millisecond as the one before, amounts
        // over ten orders of magnitude (so adding them in another order changes the low bits).
        var random = new Random(seed);
        var card = new CardHistory();
        var remembered = new List<(long TimeMs, double Amount)>();
        var at = 0L;
        for (var i = 0; i < 400; i++)
        {
            at += random.Next(4) == 0 ? 0 : random.NextInt64(1, 6_000_000);
            var amount = Math.Pow(10, (random.NextDouble() * 10) - 3);
            Assert.That(card.Remember(Tx(at, amount), HistorySettings.Default), Is.True);
            remembered.Add((at, amount));
        }

        // Queries at every remembered time, just past each window's bound from it, and exactly on it (outside).
        var windows = HistorySettings.CardWindows.Select(w => (long)w.TotalMilliseconds).ToArray();
        var queries = remembered.Select(r => r.TimeMs)
            .Concat(remembered.Take(50).SelectMany(r => windows.SelectMany(w => new[] { r.TimeMs + w, r.TimeMs + w - 1 })))
            .ToList();

        foreach (var time in queries)
        {
            // Act
            var row = new float[CardHistory.FeatureCount];
            CardHistory.Compute(card, Tx(time, 42), row);

            // Assert
            for (var w = 0; w < windows.Length; w++)
            {
                var (count, sum) = WindowOnItsOwn(remembered, time, windows[w]);
                var expected = new[] { count, (float)sum, count > 0 ? (float)(sum / count) : float.NaN };
                var actual = row.AsSpan(3 * w, 3).ToArray();
                Assert.That(actual.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expected.Select(BitConverter.SingleToInt32Bits)),
                    $"window {w} at {time} ms (seed {seed}): {string.Join(", ", actual)} against {string.Join(", ", expected)}");
            }
        }
    }

    /// <summary>The count and sum of the transactions at or before <paramref name="time"/> less than <paramref name="window"/> older, newest first.</summary>
    private static (int Count, double Sum) WindowOnItsOwn(List<(long TimeMs, double Amount)> remembered, long time, long window)
    {
        var count = 0;
        var sum = 0.0;
        for (var i = remembered.Count - 1; i >= 0; i--) // remembered in time order; ties in arrival order, as the history keeps them
        {
            var age = time - remembered[i].TimeMs;
            if (age >= 0 && age < window)
            {
                count++;
                sum += remembered[i].Amount;
            }
        }

        return (count, sum);
    }

    private static Transaction Tx(long timeMs, double amount) =>
        new($"T-{timeMs}", "C-1", s_start.AddMilliseconds(timeMs), amount, "EUR", "M-1", "5411", Channel.Pos, CardPresent: true);
}
