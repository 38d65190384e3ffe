using System.Buffers;
using FraudStream.Avro;
using FraudStream.Core.Features.History;
using FraudStream.Core.Outputs;
using FraudStream.Core.Transactions;
using FraudStream.Serving;
using Microsoft.Extensions.Logging;

namespace FraudStream.Streaming.ExactlyOnce;

/// <summary>
/// The scorer's alert path run on made-up transactions before the first batch: Avro decode, history features (in a
/// scratch store), features, predict, explanations and the alert's encoding. Without it the first real batch paid
/// for compiling all of it while its records waited (60 ms of scoring and 25 ms of history in the 2,000/s demo).
/// Nothing it touches is kept: no Kafka call, no registry call, no state of the scorer's.
/// </summary>
internal static partial class ScorerWarmUp
{
    private const int Rows = 32;
    private const int Rounds = 3;
    private static readonly Channel[] s_channels = Enum.GetValues<Channel>();

    /// <summary>Runs the alert path <see cref="Rounds"/> times over <see cref="Rows"/> made-up transactions; returns the top features found (for tests).</summary>
    public static int Run(ScoringModel model, int topFeatures, HistorySettings? history)
    {
        ArgumentNullException.ThrowIfNull(model);
        var codec = new TransactionAvroCodec();
        var alertCodec = new FraudAlertAvroCodec();
        var scorer = new TransactionScorer(topFeatures);
        var buffer = new ArrayBufferWriter<byte>(512);
        var features = history is null ? [] : new float[Rows * HistoryFeatures.Count];
        var found = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var transactions = new List<Transaction>(Rows);
            for (var i = 0; i < Rows; i++)
            {
                transactions.Add(codec.Decode(codec.Encode(MadeUp(i))));
            }

            if (history is not null)
            {
                ObserveHistory(history, transactions, features);
            }

            found += scorer.WarmUp(model, transactions, features);
            var scored = scorer.Score(model, transactions, features);
            for (var row = 0; row < scored.Rows; row++)
            {
                var transaction = transactions[row];
                buffer.ResetWrittenCount();
                ConfluentWireFormat.WriteHeader(buffer, schemaId: 1);
                alertCodec.Encode(
                    new FraudAlert(
                        transaction.TransactionId, transaction.CardId, transaction.Amount, scored.Score(row), model.Threshold, model.Version,
                        [], "warm-up", 0, row, transaction.EventTime, transaction.EventTime),
                    buffer);
            }
        }

        return found;
    }

    /// <summary>History features of the rows from a store of their own, and its changes encoded as the changelog's are.</summary>
    private static void ObserveHistory(HistorySettings settings, List<Transaction> transactions, float[] features)
    {
        using var cards = new CardHistoryStore(settings) { TracksChanges = true };
        var labels = new LabelHistory(settings);
        for (var i = 0; i < transactions.Count; i++)
        {
            HistoryFeatures.Observe(cards, labels, transactions[i], features.AsSpan(i * HistoryFeatures.Count, HistoryFeatures.Count));
        }

        cards.TakeChanged(new ChangelogBuffer(), partition: 0);
    }

    /// <summary>A transaction of one of four cards, its optional fields present on every other one.</summary>
    private static Transaction MadeUp(int i)
    {
        var full = i % 2 == 0;
        return new Transaction(
            $"warm-up-{i}",
            $"warm-up-card-{i % 4}",
            DateTimeOffset.UnixEpoch.AddMinutes(i),
            Amount: 5.0 + (i * 37.5),
            "EUR",
            $"warm-up-merchant-{i % 3}",
            (5411 + i).ToString(System.Globalization.CultureInfo.InvariantCulture),
            s_channels[i % s_channels.Length],
            i % 4 == 0,
            full ? $"warm-up-terminal-{i % 3}" : null,
            full ? "FR" : null,
            full ? 48.85 : null,
            full ? 2.35 : null,
            full ? 48.80 : null,
            full ? 2.30 : null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ran the alert path on made-up transactions in {Milliseconds:F0} ms, before the first batch.")]
    internal static partial void LogWarmedUp(ILogger logger, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The alert path's warm-up on made-up transactions failed; the first batch pays for compiling it.")]
    internal static partial void LogFailed(ILogger logger, Exception exception);
}
