using FraudStream.Training.Data;

namespace FraudStream.Training.Tests;

/// <summary>How a column of training values becomes reference bins.</summary>
public sealed class ReferenceDistributionsTests
{
    [Test]
    public void A_continuous_feature_gets_its_deciles_as_edges_with_a_tenth_of_the_rows_in_each_bin()
    {
        var bins = ReferenceDistributions.Of([.. Enumerable.Range(1, 1000).Select(i => (float)i)]);

        Assert.That(bins.Edges, Is.EqualTo(new[] { 101f, 201f, 301f, 401f, 501f, 601f, 701f, 801f, 901f }));
        Assert.That(bins.Proportions, Has.All.EqualTo(0.1).Within(1e-12));
        Assert.That(bins.Missing, Is.Zero);
    }

    [Test]
    public void A_rare_flag_keeps_a_bin_per_value()
    {
        var bins = ReferenceDistributions.Of([.. Enumerable.Range(0, 1000).Select(i => i % 20 == 0 ? 1f : 0f)]);

        Assert.That(bins.Edges, Is.EqualTo(new[] { 1f }));
        Assert.That(bins.Proportions, Is.EqualTo(new[] { 0.95, 0.05 }).Within(1e-12));
    }

    [Test]
    public void A_feature_with_few_values_keeps_a_bin_per_value_even_where_no_decile_falls()
    {
        // 0: 50%, 1: 3%, 2: 2%, 3: 45%: the deciles are 0, 1 and 3 only.
        var values = Enumerable.Repeat(0f, 500).Concat(Enumerable.Repeat(1f, 30)).Concat(Enumerable.Repeat(2f, 20)).Concat(Enumerable.Repeat(3f, 450)).ToArray();

        var bins = ReferenceDistributions.Of(values);

        Assert.That(bins.Edges, Is.EqualTo(new[] { 1f, 2f, 3f }));
        Assert.That(bins.Proportions, Is.EqualTo(new[] { 0.5, 0.03, 0.02, 0.45 }).Within(1e-12));
    }

    [Test]
    public void A_value_holding_most_rows_gets_a_bin_of_its_own_and_the_rest_stays_visible()
    {
        // 75% zeros (no transaction in the window), then amounts 1..250: the deciles are 0, 51 and 151.
        var values = Enumerable.Repeat(0f, 750).Concat(Enumerable.Range(1, 250).Select(i => (float)i)).ToArray();

        var bins = ReferenceDistributions.Of(values);

        Assert.That(bins.Edges, Is.EqualTo(new[] { 1f, 51f, 151f }), "the zeros end where the smallest amount starts");
        Assert.That(bins.Proportions[0], Is.EqualTo(0.75).Within(1e-12));
        Assert.That(bins.Proportions.Skip(1), Has.All.GreaterThan(0));
        Assert.That(bins.Proportions.Sum(), Is.EqualTo(1).Within(1e-12));
    }

    [Test]
    public void Missing_values_have_their_own_share()
    {
        var values = Enumerable.Range(0, 1000).Select(i => i % 5 == 0 ? float.NaN : i).ToArray();

        var bins = ReferenceDistributions.Of(values);
        var allMissing = ReferenceDistributions.Of([float.NaN, float.NaN]);

        Assert.That(bins.Missing, Is.EqualTo(0.2).Within(1e-12));
        Assert.That(bins.Proportions.Sum() + bins.Missing, Is.EqualTo(1).Within(1e-12));
        Assert.That(bins.Edges, Has.Count.EqualTo(9));
        Assert.That(allMissing.Edges, Is.Empty);
        Assert.That(allMissing.Proportions, Is.EqualTo(new[] { 0.0 }));
        Assert.That(allMissing.Missing, Is.EqualTo(1));
    }
}
