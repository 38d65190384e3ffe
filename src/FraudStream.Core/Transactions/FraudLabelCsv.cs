using System.Text;

namespace FraudStream.Core.Transactions;

/// <summary>
/// The labels CSV that <c>fraudstream label</c> reads: a header row
/// (<c>transaction_id,card_id,merchant_id,terminal_id,is_fraud,event_time,label_time</c>), then one label per line.
/// Values never contain commas or quotes, so no quoting is needed or accepted. An empty <c>terminal_id</c> is none; an
/// empty <c>label_time</c> means the label is known now (the moment the file is read).
/// </summary>
public static class FraudLabelCsv
{
    /// <summary>The header, in order.</summary>
    public static IReadOnlyList<string> Columns { get; } =
        ["transaction_id", "card_id", "merchant_id", "terminal_id", "is_fraud", "event_time", "label_time"];

    private static readonly string s_header = string.Join(',', Columns);

    /// <summary>Writes the header and the labels.</summary>
    public static void Write(TextWriter writer, IEnumerable<FraudLabel> labels)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(labels);
        writer.Write(s_header);
        writer.Write('\n');
        var line = new StringBuilder(128);
        foreach (var label in labels)
        {
            line.Clear()
                .Append(LabelledTransactionCsv.Checked(label.TransactionId)).Append(',')
                .Append(LabelledTransactionCsv.Checked(label.CardId)).Append(',')
                .Append(LabelledTransactionCsv.Checked(label.MerchantId)).Append(',')
                .Append(LabelledTransactionCsv.Checked(label.TerminalId)).Append(',')
                .Append(label.IsFraud ? '1' : '0').Append(',')
                .Append(LabelledTransactionCsv.FormatTime(label.EventTime)).Append(',')
                .Append(LabelledTransactionCsv.FormatTime(label.LabelTime)).Append('\n');
            writer.Write(line);
        }
    }

    /// <summary>Reads labels, checking every value; an empty label_time is <paramref name="now"/>.</summary>
    /// <exception cref="FormatException">A line is not a valid label; the message names the line and the column.</exception>
    public static IEnumerable<FraudLabel> Read(TextReader reader, DateTimeOffset now, string source = "input")
    {
        ArgumentNullException.ThrowIfNull(reader);
        var buffer = new StringBuilder();
        var header = LabelledTransactionCsv.ReadLine(reader, buffer, 1, source)?.TrimEnd('\r');
        if (header != s_header)
        {
            throw new FormatException($"{source} is not a labels CSV: {CsvHeader.Difference(header, Columns)}.");
        }

        var number = 1;
        while (LabelledTransactionCsv.ReadLine(reader, buffer, number + 1, source) is { } line)
        {
            number++;
            if (line.Length > 0)
            {
                yield return Parse(line.TrimEnd('\r'), now, number, source);
            }
        }
    }

    private static FraudLabel Parse(string line, DateTimeOffset now, int number, string source)
    {
        var f = line.Split(',');
        if (f.Length != Columns.Count)
        {
            throw new FormatException($"{source} line {number}: expected {Columns.Count} columns, found {f.Length}.");
        }

        string Required(int i) => f[i].Length > 0 ? f[i] : throw Bad(i, "is empty");
        FormatException Bad(int i, string problem) => new($"{source} line {number}: {Columns[i]} '{f[i]}' {problem}.");

        var isFraud = f[4] switch { "1" => true, "0" => false, _ => throw Bad(4, "must be 1 (fraud) or 0 (genuine)") };
        var eventTime = EventTime.TryParse(f[5], out var at) ? at : throw Bad(5, "must " + EventTime.Rule);
        DateTimeOffset labelTime;
        if (f[6].Length == 0)
        {
            // Known now: a label read today cannot have been known before the transaction it labels.
            labelTime = now >= eventTime ? now
                : throw Bad(6, $"is empty, which means now ({LabelledTransactionCsv.FormatTime(now)}), but the event_time is later: give the label's time");
        }
        else
        {
            labelTime = EventTime.TryParse(f[6], out var known) && known >= eventTime ? known
                : throw Bad(6, "must " + EventTime.Rule + ", not before the event_time (or empty for now)");
        }

        return new FraudLabel(Required(0), Required(1), Required(2), f[3].Length == 0 ? null : f[3], isFraud, eventTime, labelTime);
    }
}
