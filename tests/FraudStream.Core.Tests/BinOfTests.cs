using FraudStream.Core.Models;

namespace FraudStream.Core.Tests;

/// <summary><see cref="BinnedDistribution.BinOf"/> (eight edges at a time where the CPU has vectors) against counting edge by edge.</summary>
[TestFixture]
public sealed class BinOfTests
{
    [Test]
    public void A_value_falls_in_the_bin_of_the_edges_at_or_below_it_and_missing_in_the_last()
    {
        var random = new Random(7);
        for (var length = 0; length <= BinnedDistribution.MaxEdges; length++)
        {
            // Strictly increasing finite edges, around zero, some of them whole numbers.
            var edges = new float[length];
            var edge = -length / 2f;
            for (var e = 0; e < length; e++)
            {
                edges[e] = edge;
                edge += random.Next(3) == 0 ? 1f : (float)random.NextDouble() + 1e-3f;
            }

            var values = edges.SelectMany(e => new[] { e, MathF.BitDecrement(e), MathF.BitIncrement(e) })
                .Concat([float.NegativeInfinity, float.PositiveInfinity, 0f, -0f, float.MaxValue, float.MinValue, float.Epsilon])
                .Concat(Enumerable.Range(0, 20).Select(_ => (float)((random.NextDouble() - 0.5) * (length + 4))));
            foreach (var value in values)
            {
                Assert.That(BinnedDistribution.BinOf(edges, value), Is.EqualTo(edges.Count(e => e <= value)), $"{value} among {length} edges: {string.Join(", ", edges)}");
            }

            Assert.That(BinnedDistribution.BinOf(edges, float.NaN), Is.EqualTo(length + 1), "missing");
        }
    }
}
