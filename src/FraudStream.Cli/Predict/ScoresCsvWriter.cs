using System.Globalization;
using FraudStream.Core.Transactions;
using FraudStream.Serving;

namespace FraudStream.Cli.Predict;

/// <summary>
/// The CSV <c>fraudstream predict</c> writes: <c>transaction_id,score,alert,model_version</c>, then with features one
/// column per model feature in the model's order. Scores and features are written in their shortest round-trip form
/// (read back, they are the same floats); a missing feature (NaN) is empty; alert is 1 at or above the model's threshold.
/// </summary>
internal sealed class ScoresCsvWriter(TextWriter writer, ScoringModel model, bool withFeatures)
{
    /// <summary>The columns before the features.</summary>
    public static IReadOnlyList<string> Columns { get; } = ["transaction_id", "score", "alert", "model_version"];

    private readonly char[] _number = new char[32];

    /// <summary>Writes the header.</summary>
    public void WriteHeader()
    {
        writer.Write(string.Join(',', withFeatures ? [.. Columns, .. model.Pipeline.FeatureNames] : Columns));
        writer.Write('\n');
    }

    /// <summary>Writes a scored batch's rows, in the batch's order.</summary>
    public void Write(IReadOnlyList<Transaction> transactions, ScoredBatch batch)
    {
        for (var row = 0; row < batch.Rows; row++)
        {
            var score = batch.Score(row);
            writer.Write(transactions[row].TransactionId);
            writer.Write(',');
            WriteFloat(score);
            writer.Write(score >= model.Threshold ? ",1," : ",0,");
            writer.Write(model.Version);
            if (withFeatures)
            {
                foreach (var value in batch.Features(row))
                {
                    writer.Write(',');
                    if (!float.IsNaN(value))
                    {
                        WriteFloat(value);
                    }
                }
            }

            writer.Write('\n');
        }
    }

    private void WriteFloat(float value)
    {
        value.TryFormat(_number, out var written, "R", CultureInfo.InvariantCulture);
        writer.Write(_number, 0, written);
    }
}
