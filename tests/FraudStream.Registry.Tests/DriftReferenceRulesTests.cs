using FraudStream.Core.Models;
using FraudStream.Registry.Stores;
using FraudStream.Registry.Tests.Infrastructure;

namespace FraudStream.Registry.Tests;

/// <summary>The optional drift_reference section of metadata.json: accepted when it fits the model, refused in a sentence when not.</summary>
public sealed class DriftReferenceRulesTests
{
    private static readonly BinnedDistribution s_amount = new([10f, 50f, 200f], [0.2, 0.4, 0.3, 0.05], 0.05);
    private static readonly BinnedDistribution s_score = new([0.01f, 0.5f], [0.6, 0.35, 0.05], 0);

    private static ModelMetadata WithReference(params FeatureDistribution[] features) =>
        TestModels.Create("20260314_093000").Metadata with { DriftReference = new DriftReference(3000, features, 1000, s_score) };

    [Test]
    public void A_reference_that_fits_the_model_is_accepted_and_survives_metadata_json()
    {
        var metadata = WithReference(new FeatureDistribution("amount", s_amount));

        var read = ModelMetadata.FromJson(metadata.ToJson());

        Assert.Multiple(() =>
        {
            Assert.That(ModelMetadataRules.FindProblem(metadata), Is.Null);
            Assert.That(read.DriftReference!.Features.Single().Bins.Edges, Is.EqualTo(s_amount.Edges));
            Assert.That(read.DriftReference.Features.Single().Bins.Proportions, Is.EqualTo(s_amount.Proportions));
            Assert.That(read.DriftReference.Score.Missing, Is.Zero);
            Assert.That(metadata.ToJson(), Does.Contain("\"drift_reference\"").And.Contain("\"feature_rows\": 3000"));
        });
    }

    [Test]
    public void A_feature_name_the_pipeline_lacks_is_not_a_metadata_problem()
    {
        // Refusing it here would report a renamed feature as bad_metadata instead of incompatible_features.
        var metadata = WithReference(new FeatureDistribution("velocity", s_amount));

        Assert.That(ModelMetadataRules.FindProblem(metadata), Is.Null);
    }

    [Test]
    public void Metadata_without_a_reference_is_still_valid_and_writes_none()
    {
        var metadata = TestModels.Create("20260314_093000").Metadata;

        Assert.That(ModelMetadataRules.FindProblem(metadata), Is.Null);
        Assert.That(metadata.ToJson(), Does.Not.Contain("drift_reference"));
    }

    private static IEnumerable<TestCaseData> Malformed()
    {
        TestCaseData Case(string name, string expected, params FeatureDistribution[] features) =>
            new TestCaseData(WithReference(features), expected).SetArgDisplayNames(name);

        yield return Case("Feature_twice", "drift_reference.features[1] names 'amount' a second time",
            new FeatureDistribution("amount", s_amount), new FeatureDistribution("amount", s_amount));
        yield return Case("Edges_not_increasing", "drift_reference.features[0] (amount) edges are not strictly increasing finite numbers",
            new FeatureDistribution("amount", s_amount with { Edges = [10f, 10f, 200f] }));
        yield return Case("Edge_infinite", "drift_reference.features[0] (amount) edges are not strictly increasing finite numbers",
            new FeatureDistribution("amount", s_amount with { Edges = [10f, 50f, float.PositiveInfinity] }));
        yield return Case("Bins_and_edges_disagree", "drift_reference.features[0] (amount) has 3 proportions for 3 edges: one bin more than edges is needed",
            new FeatureDistribution("amount", s_amount with { Proportions = [0.3, 0.4, 0.25] }));
        yield return Case("Negative_share", "drift_reference.features[0] (amount) has a proportion outside 0..1",
            new FeatureDistribution("amount", s_amount with { Proportions = [0.6, 0.4, 0.1, -0.15] }));
        yield return Case("Shares_do_not_sum_to_one", "drift_reference.features[0] (amount) proportions and missing sum to 0.9, not 1",
            new FeatureDistribution("amount", s_amount with { Proportions = [0.1, 0.4, 0.3, 0.05] }));
        yield return Case("Too_many_edges", "drift_reference.features[0] (amount) has 65 edges, more than 64",
            new FeatureDistribution("amount", new BinnedDistribution([.. Enumerable.Range(0, 65).Select(i => (float)i)], [.. Enumerable.Repeat(1 / 66.0, 66)], 0)));
        yield return Case("No_name", "drift_reference.features[0] has no name",
            new FeatureDistribution("", s_amount));
    }

    [TestCaseSource(nameof(Malformed))]
    public void A_malformed_reference_is_refused_naming_what_is_wrong(ModelMetadata metadata, string expected)
    {
        Assert.That(ModelMetadataRules.FindProblem(metadata), Is.EqualTo(expected));
    }

    [Test]
    public void A_reference_without_a_score_or_rows_is_refused()
    {
        var metadata = WithReference();

        Assert.Multiple(() =>
        {
            Assert.That(
                ModelMetadataRules.FindProblem(metadata with { DriftReference = metadata.DriftReference! with { Score = null! } }),
                Is.EqualTo("drift_reference.features or drift_reference.score is missing"));
            Assert.That(
                ModelMetadataRules.FindProblem(metadata with { DriftReference = metadata.DriftReference! with { ScoreRows = 0 } }),
                Is.EqualTo("drift_reference.feature_rows and drift_reference.score_rows must be positive"));
            Assert.That(
                ModelMetadataRules.FindProblem(metadata with { DriftReference = metadata.DriftReference! with { Score = s_score with { Proportions = [0.6, 0.35] } } }),
                Is.EqualTo("drift_reference.score has 2 proportions for 2 edges: one bin more than edges is needed"));
        });
    }

    [Test]
    public async Task Publishing_a_malformed_reference_is_refused_in_a_sentence()
    {
        using var directory = new TempDirectory("drift");
        var registry = new ModelRegistry(new LocalDirectoryModelStore(directory.Path));
        var (metadata, bytes) = TestModels.Create("20260314_093000");
        var malformed = metadata with
        {
            DriftReference = new DriftReference(3000, [new FeatureDistribution("amount", s_amount with { Missing = 0.5 })], 1000, s_score),
        };

        var error = Assert.ThrowsAsync<ArgumentException>(() => registry.PublishAsync(malformed, bytes, TestModels.Report));

        Assert.That(error!.Message, Does.StartWith(
            "Refusing to publish model 20260314_093000: drift_reference.features[0] (amount) proportions and missing sum to 1.45, not 1."));
        Assert.That(await registry.ListVersionsAsync(), Is.Empty);
    }
}
