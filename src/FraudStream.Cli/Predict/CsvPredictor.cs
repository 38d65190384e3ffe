using System.Globalization;
using FraudStream.Core.Features;
using FraudStream.Core.Features.History;
using FraudStream.Core.Transactions;
using FraudStream.Serving;
using FraudStream.Training.Data;

namespace FraudStream.Cli.Predict;

/// <summary>What the first read of a file found: every row valid, how many, and whether they come in event-time order.</summary>
/// <param name="Rows">Transactions in the file.</param>
/// <param name="InEventTimeOrder">No row is older than a row before it.</param>
internal readonly record struct CheckedFile(long Rows, bool InEventTimeOrder);

/// <summary>Where a run's history features came from.</summary>
internal enum HistorySource
{
    /// <summary>The model has no history features.</summary>
    NotUsed,

    /// <summary>Replayed row by row as the file was read (it was in event-time order).</summary>
    ReplayedAsRead,

    /// <summary>The file was held in memory and replayed in event-time order before scoring.</summary>
    ReplayedSorted,
}

/// <summary>What a run scored.</summary>
internal readonly record struct PredictionSummary(long Rows, long Alerts, HistorySource History);

/// <summary>
/// Scores a transactions CSV with one model, in batches through native predict (<see cref="TransactionScorer"/>, as the
/// stream and /predict score), writing one row per transaction in the file's order. For a model with history features the
/// file is replayed in event-time order through the trainer's <see cref="HistoryReplay"/> with the model's history
/// settings, labels taken from the file at their label time: each row gets the features, and the score, training gives it.
/// </summary>
/// <remarks>
/// The file is read twice: <see cref="Check"/> validates every row (nothing is written when one is bad) and finds whether
/// the rows come in event-time order; <see cref="Predict"/> scores. What scoring holds: a file in event-time order (as
/// <c>fraudstream generate</c> writes it) is streamed, one batch at a time, with what the replay keeps (the cards' kept
/// histories, the merchants' and terminals' labels, labels waiting for their label time). A file out of order is held
/// whole, with its history features (<see cref="HistoryFeatures.Count"/> floats a row), as training holds it: a row's
/// history may depend on the file's last line.
/// </remarks>
internal sealed class CsvPredictor(ScoringModel model, TimeSpan labelDelay)
{
    /// <summary>Rows scored per native predict call.</summary>
    public const int BatchSize = 1_000;

    /// <summary>Most rows out of event-time order held: their history features fill one array.</summary>
    public static readonly long MaxHeldRows = Array.MaxLength / HistoryFeatures.Count;

    private delegate void HistoryOf(long index, TransactionRow row, Span<float> features);

    /// <summary>Reads every row of <paramref name="data"/>, checking it.</summary>
    /// <exception cref="FormatException">A row is bad; the message names its line and column.</exception>
    public static CheckedFile Check(FileInfo data, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(data);
        long rows = 0;
        var ordered = true;
        var latest = DateTimeOffset.MinValue;
        foreach (var row in Read(data))
        {
            stop.ThrowIfCancellationRequested();
            ordered &= row.Transaction.EventTime >= latest;
            latest = row.Transaction.EventTime > latest ? row.Transaction.EventTime : latest;
            rows++;
        }

        return new CheckedFile(rows, ordered);
    }

    /// <summary>One sentence when this model cannot score <paramref name="file"/> (too many rows to hold out of order), or null.</summary>
    public string? Refusal(FileInfo data, CheckedFile file) =>
        model.Pipeline.UsesHistory && !file.InEventTimeOrder && file.Rows > MaxHeldRows
            ? string.Create(CultureInfo.InvariantCulture,
                $"{data.Name} has {file.Rows:N0} rows out of event-time order, more than the {MaxHeldRows:N0} predict holds to replay them; sort it by event_time first.")
            : null;

    /// <summary>Scores <paramref name="data"/>, checked as <paramref name="file"/>, into <paramref name="output"/> (header first).</summary>
    /// <exception cref="InvalidDataException">The file changed since it was checked.</exception>
    public PredictionSummary Predict(FileInfo data, CheckedFile file, ScoresCsvWriter output, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteHeader();
        if (!model.Pipeline.UsesHistory)
        {
            return Score(Reread(data, file, stop), null, HistorySource.NotUsed, output, stop);
        }

        // The pipeline was bound with these settings (FeaturePipeline.For refuses a model without them).
        var settings = FeaturePipeline.SettingsOf(model.Metadata.Pipeline.History!);
        var replay = new HistoryReplay(settings, labelDelay);
        if (file.InEventTimeOrder)
        {
            return Score(
                Reread(data, file, stop), (_, row, features) => replay.Observe(row.Transaction, row.IsFraud, row.LabelTime, features),
                HistorySource.ReplayedAsRead, output, stop);
        }

        // Ties keep the file's order (a stable sort), as training orders them.
        var rows = Reread(data, file, stop).ToList();
        var width = HistoryFeatures.Count;
        var history = new float[checked(rows.Count * width)]; // Refusal keeps it within an array
        foreach (var i in Enumerable.Range(0, rows.Count).OrderBy(i => rows[i].Transaction.EventTime))
        {
            stop.ThrowIfCancellationRequested();
            replay.Observe(rows[i].Transaction, rows[i].IsFraud, rows[i].LabelTime, history.AsSpan(i * width, width));
        }

        return Score(rows, (index, _, features) => history.AsSpan((int)index * width, width).CopyTo(features), HistorySource.ReplayedSorted, output, stop);
    }

    private PredictionSummary Score(IEnumerable<TransactionRow> rows, HistoryOf? historyOf, HistorySource source, ScoresCsvWriter output, CancellationToken stop)
    {
        var scorer = new TransactionScorer(topFeatures: 0);
        var batch = new List<Transaction>(BatchSize);
        var width = HistoryFeatures.Count;
        var history = historyOf is null ? [] : new float[BatchSize * width];
        long scored = 0, alerts = 0;
        foreach (var row in rows)
        {
            if (historyOf is not null)
            {
                historyOf(scored + batch.Count, row, history.AsSpan(batch.Count * width, width));
            }

            batch.Add(row.Transaction);
            if (batch.Count == BatchSize)
            {
                Flush();
            }
        }

        Flush();
        return new PredictionSummary(scored, alerts, source);

        void Flush()
        {
            stop.ThrowIfCancellationRequested();
            var result = scorer.Score(model, batch, history.AsSpan(0, historyOf is null ? 0 : batch.Count * width));
            output.Write(batch, result);
            scored += batch.Count;
            alerts += result.AlertCount;
            batch.Clear();
        }
    }

    /// <summary>The rows again, refusing a file that is no longer what <see cref="Check"/> found.</summary>
    private static IEnumerable<TransactionRow> Reread(FileInfo data, CheckedFile file, CancellationToken stop)
    {
        using var rows = Read(data).GetEnumerator();
        long count = 0;
        var latest = DateTimeOffset.MinValue;
        while (true)
        {
            try
            {
                if (!rows.MoveNext())
                {
                    break;
                }
            }
            catch (FormatException e)
            {
                throw Changed(data, e.Message);
            }

            stop.ThrowIfCancellationRequested();
            var time = rows.Current.Transaction.EventTime;
            if (file.InEventTimeOrder && time < latest)
            {
                throw Changed(data, $"a row of {time:O} now comes after one of {latest:O}");
            }

            latest = time > latest ? time : latest;
            count++;
            yield return rows.Current;
        }

        if (count != file.Rows)
        {
            throw Changed(data, string.Create(CultureInfo.InvariantCulture, $"it had {file.Rows:N0} rows, now {count:N0}"));
        }
    }

    private static InvalidDataException Changed(FileInfo data, string what) =>
        new($"{data.Name} changed while it was scored ({what}); score it again once nothing writes to it.");

    private static IEnumerable<TransactionRow> Read(FileInfo data)
    {
        using var reader = new StreamReader(data.FullName);
        foreach (var row in LabelledTransactionCsv.ReadForScoring(reader, data.Name))
        {
            yield return row;
        }
    }
}
