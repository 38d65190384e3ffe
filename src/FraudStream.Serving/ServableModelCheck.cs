using FraudStream.Core.Features;
using FraudStream.Core.Models;
using FraudStream.Registry;
using FraudStream.XGBoost;

namespace FraudStream.Serving;

/// <summary>
/// The one check that a version whose metadata and checksum hold can be scored with: the pipeline binds to its features
/// and the model loads. Followers load through it; the registry runs it before a promotion or a rollback.
/// </summary>
public sealed class ServableModelCheck : IModelVerifier
{
    /// <summary>Builds the scoring model; throws <see cref="UnservableModelException"/> with its reason when the version cannot be served.</summary>
    public static ScoringModel Load(ModelMetadata metadata, ReadOnlySpan<byte> model, ModelFollowerOptions options)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            return ScoringModel.Create(metadata, model, options.PredictionThreads, options.Threshold, options.ExactContributions, options.History,
                options.Evaluator == ScoringModel.ManagedEvaluator);
        }
        catch (IncompatibleModelException e)
        {
            throw new UnservableModelException($"Model {metadata.Version} cannot be scored: {e.Message}", "incompatible_features", e);
        }
        catch (XGBoostException e)
        {
            throw new UnservableModelException($"Model {metadata.Version} does not load ({e.Message}); re-publish it.", "load_failed", e);
        }
    }

    /// <inheritdoc />
    public void Verify(ModelMetadata metadata, ReadOnlySpan<byte> model) => Load(metadata, model, new ModelFollowerOptions()).Dispose();
}
