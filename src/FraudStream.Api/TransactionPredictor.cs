using System.Collections.Concurrent;
using FraudStream.Core.Outputs;
using FraudStream.Core.Transactions;
using FraudStream.Serving;
using Microsoft.Extensions.Options;

namespace FraudStream.Api;

/// <summary>One /predict answer.</summary>
/// <param name="TransactionId">The transaction scored.</param>
/// <param name="Score">Fraud probability.</param>
/// <param name="IsFraud">Whether the score is at or above the threshold.</param>
/// <param name="Threshold">The threshold in force.</param>
/// <param name="ModelVersion">The model version that scored it.</param>
/// <param name="TopFeatures">The features that pushed the score up most (listed for fraud, as in alerts; empty otherwise).</param>
/// <param name="History">
/// "missing" when the model uses history features: /predict keeps no card, merchant or terminal history, so they were
/// missing (NaN) for this answer and the score can differ from the stream's; "not_used" for a model without them.
/// </param>
internal sealed record Prediction(
    string TransactionId, float Score, bool IsFraud, float Threshold, string ModelVersion, IReadOnlyList<FeatureContribution> TopFeatures, string History);

/// <summary>
/// Scores /predict's transactions exactly as the streaming scorer does: the <see cref="LiveModel"/> in force and a
/// <see cref="TransactionScorer"/>. Scorers keep buffers and belong to one thread, so each request borrows one from a
/// pool and gives it back.
/// </summary>
/// <remarks>
/// With Api:MirrorChallenger, the registry's challenger scores the same transactions after production, off the answer:
/// its scores are only counted, and whatever goes wrong with it is counted too and changes nothing in the answer.
/// </remarks>
internal sealed class TransactionPredictor(
    LiveModel live, ChallengerModel challenger, IOptions<ModelFollowerOptions> modelOptions, IOptions<ApiOptions> apiOptions, ApiMetrics metrics)
{
    private const int MaxIdleScorers = 64;

    private readonly ConcurrentBag<TransactionScorer> _idle = [];
    private int _idleCount; // ConcurrentBag.Count takes every per-thread lock of the bag

    /// <summary>The predictions of <paramref name="transactions"/>, in order, all from one model; null when no model is loaded.</summary>
    public IReadOnlyList<Prediction>? Predict(IReadOnlyList<Transaction> transactions)
    {
        if (!live.TryAcquire(out var lease))
        {
            return null;
        }

        using (lease)
        {
            var model = lease.Model;
            TransactionScorer scorer;
            if (_idle.TryTake(out var idle))
            {
                Interlocked.Decrement(ref _idleCount);
                scorer = idle;
            }
            else
            {
                scorer = new TransactionScorer(modelOptions.Value.TopFeatures);
            }

            try
            {
                var batch = scorer.Score(model, transactions);
                var explanations = new IReadOnlyList<FeatureContribution>?[transactions.Count];
                for (var alert = 0; alert < batch.AlertCount; alert++)
                {
                    explanations[batch.AlertRow(alert)] = batch.TopFeatures(alert);
                }

                var predictions = new Prediction[transactions.Count];
                for (var row = 0; row < predictions.Length; row++)
                {
                    var score = batch.Score(row);
                    predictions[row] = new Prediction(
                        transactions[row].TransactionId, score, score >= model.Threshold, model.Threshold, model.Version, explanations[row] ?? [],
                        model.Pipeline.UsesHistory ? "missing" : "not_used");
                }

                metrics.Scored(predictions.Length);
                if (apiOptions.Value.MirrorChallenger)
                {
                    Mirror(transactions, predictions);
                }

                return predictions;
            }
            finally
            {
                if (Interlocked.Increment(ref _idleCount) <= MaxIdleScorers)
                {
                    _idle.Add(scorer);
                }
                else
                {
                    Interlocked.Decrement(ref _idleCount);
                }
            }
        }
    }

    /// <summary>Scores the transactions with the challenger, if one is loaded, and counts how it would have answered.</summary>
    private void Mirror(IReadOnlyList<Transaction> transactions, Prediction[] predictions)
    {
        if (!challenger.Live.TryAcquire(out var lease))
        {
            return;
        }

        using (lease)
        {
            try
            {
                var batch = new TransactionScorer(topFeatures: 0).Score(lease.Model, transactions);
                int alerts = 0, disagreements = 0;
                for (var row = 0; row < predictions.Length; row++)
                {
                    var alert = batch.Score(row) >= lease.Model.Threshold;
                    alerts += alert ? 1 : 0;
                    disagreements += alert != predictions[row].IsFraud ? 1 : 0;
                }

                metrics.Mirrored(lease.Model.Version, predictions.Length, alerts, disagreements);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                metrics.MirrorFailed();
            }
        }
    }
}
