using System.Globalization;
using System.Text;

namespace FraudStream.Core.Transactions;

/// <summary>
/// The labelled-transactions CSV that <c>fraudstream generate</c> writes and <c>fraudstream train</c>
/// reads: a header row, then one transaction per line (columns in <see cref="Columns"/>, documented
/// in the README). Values never contain commas or quotes, so no quoting is needed or accepted.
/// The last column, <c>label_time</c>, is optional in the header: a file without it is read as before, and the trainer
/// then assumes a fixed label delay. A file read for scoring (<c>fraudstream predict</c>) may leave out every label column. Empty optional fields are missing values: <c>currency</c>,
/// <c>merchant_category</c> and <c>card_present</c> (missing-value features), <c>channel</c> (UNKNOWN), terminal, country and coordinates.
/// </summary>
public static class LabelledTransactionCsv
{
    /// <summary>The header, in order.</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        "transaction_id", "card_id", "event_time", "amount", "currency", "merchant_id", "merchant_category",
        "channel", "card_present", "terminal_id", "merchant_country", "merchant_latitude", "merchant_longitude",
        "cardholder_latitude", "cardholder_longitude", "is_fraud", "scenario", "label_time",
    ];

    private static readonly string s_header = string.Join(',', Columns);

    /// <summary>The columns before the label columns (is_fraud, scenario, label_time): the transaction itself.</summary>
    private static readonly int s_transactionColumns = Columns.ToList().IndexOf("is_fraud");

    /// <summary>Writes the header and the rows.</summary>
    public static void Write(TextWriter writer, IEnumerable<LabelledTransaction> rows)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(rows);
        writer.Write(s_header);
        writer.Write('\n');
        var line = new StringBuilder(256);
        foreach (var (t, isFraud, scenario, labelTime) in rows)
        {
            line.Clear();
            var c = CultureInfo.InvariantCulture;
            line.Append(Checked(t.TransactionId)).Append(',')
                .Append(Checked(t.CardId)).Append(',')
                .Append(FormatTime(t.EventTime)).Append(',')
                .Append(t.Amount.ToString("R", c)).Append(',')
                .Append(Checked(t.Currency)).Append(',')
                .Append(Checked(t.MerchantId)).Append(',')
                .Append(Checked(t.MerchantCategory)).Append(',')
                .Append(ChannelName(t.Channel)).Append(',')
                .Append(t.CardPresent switch { true => "1", false => "0", null => "" }).Append(',')
                .Append(Checked(t.TerminalId)).Append(',')
                .Append(Checked(t.MerchantCountry)).Append(',')
                .Append(t.MerchantLatitude?.ToString("R", c)).Append(',')
                .Append(t.MerchantLongitude?.ToString("R", c)).Append(',')
                .Append(t.CardholderLatitude?.ToString("R", c)).Append(',')
                .Append(t.CardholderLongitude?.ToString("R", c)).Append(',')
                .Append(isFraud ? '1' : '0').Append(',')
                .Append(Checked(scenario)).Append(',')
                .Append(labelTime is { } known ? FormatTime(known) : null).Append('\n');
            writer.Write(line);
        }
    }

    /// <summary>Longest line read: a row is a few hundred characters.</summary>
    public const int MaxLineLength = 4096;

    /// <summary>Reads labelled rows, checking every value: what training needs (the header may leave out label_time only).</summary>
    /// <exception cref="FormatException">A line is not a valid row; the message names the line and the column.</exception>
    public static IEnumerable<LabelledTransaction> Read(TextReader reader, string source = "input") =>
        ReadRows(reader, source, labelled: true).Select(r => new LabelledTransaction(r.Transaction, r.IsFraud!.Value, r.Scenario, r.LabelTime));

    /// <summary>
    /// Reads rows for scoring, checking every value as <see cref="Read"/> does. The header may leave out any of the label
    /// columns (is_fraud, scenario, label_time; those it keeps stay in order), and an empty is_fraud is a row without a label.
    /// </summary>
    /// <exception cref="FormatException">A line is not a valid row; the message names the line and the column.</exception>
    public static IEnumerable<TransactionRow> ReadForScoring(TextReader reader, string source = "input") =>
        ReadRows(reader, source, labelled: false).Select(r => new TransactionRow(r.Transaction, r.IsFraud, r.LabelTime));

    private static IEnumerable<ParsedRow> ReadRows(TextReader reader, string source, bool labelled)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var buffer = new StringBuilder();
        var header = ReadLine(reader, buffer, 1, source)?.TrimEnd('\r');
        var layout = Layout.Of(header, labelled)
            ?? throw new FormatException(labelled
                ? $"{source} is not a labelled-transactions CSV: {HeaderProblem(header, ["label_time"])}."
                : $"{source} is not a transactions CSV: {HeaderProblem(header, ["is_fraud", "scenario", "label_time"])}.");

        var number = 1;
        while (ReadLine(reader, buffer, number + 1, source) is { } line)
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            yield return Parse(line.TrimEnd('\r'), layout, number, source);
        }
    }

    /// <summary>
    /// The next line, without its '\n'; null at the end. A line over <see cref="MaxLineLength"/> is refused as soon as
    /// it is that long: a 50 MB line took over a gigabyte as a string and its fields before the column count was checked.
    /// </summary>
    internal static string? ReadLine(TextReader reader, StringBuilder buffer, int number, string source)
    {
        buffer.Clear();
        int c;
        while ((c = reader.Read()) >= 0 && c != '\n')
        {
            if (buffer.Length == MaxLineLength)
            {
                throw new FormatException($"{source} line {number} is longer than {MaxLineLength} characters; a row of this CSV is far shorter.");
            }

            buffer.Append((char)c);
        }

        return c < 0 && buffer.Length == 0 ? null : buffer.ToString();
    }

    private static ParsedRow Parse(string line, Layout layout, int number, string source)
    {
        var f = line.Split(',');
        var columns = layout.Names.Length;
        if (f.Length != columns)
        {
            throw new FormatException($"{source} line {number}: expected {columns} columns, found {f.Length}.");
        }

        var c = CultureInfo.InvariantCulture;
        string Required(int i) => f[i].Length > 0 ? f[i] : throw Bad(i, "is empty");
        double? Coordinate(int i, double limit) =>
            f[i].Length == 0 ? null
            : double.TryParse(f[i], NumberStyles.Float, c, out var v) && Math.Abs(v) <= limit ? v
            : throw Bad(i, $"must be a number between -{limit} and {limit}");
        bool Flag(int i) => f[i] switch { "1" => true, "0" => false, _ => throw Bad(i, "must be 0 or 1") };
        bool? OptionalFlag(int i) => f[i] switch { "1" => true, "0" => false, "" => null, _ => throw Bad(i, "must be 0 or 1 (or empty)") };
        FormatException Bad(int i, string problem) => new($"{source} line {number}: {layout.Names[i]} '{f[i]}' {problem}.");

        var eventTime = EventTime.TryParse(f[2], out var at) ? at : throw Bad(2, "must " + EventTime.Rule);
        var amount = double.TryParse(f[3], NumberStyles.Float, c, out var a) && double.IsFinite(a) && a >= 0
            ? a : throw Bad(3, "must be a finite amount >= 0");
        var channel = f[7].Length == 0 ? Channel.Unknown
            : ParseChannel(f[7]) ?? throw Bad(7, $"must be one of {string.Join(", ", Enum.GetValues<Channel>().Select(ChannelName))} (or empty)");

        // The same codes /predict accepts; empty is missing.
        var currency = f[4].Length == 0 || (f[4].Length == 3 && f[4].All(char.IsAsciiLetterUpper))
            ? f[4] : throw Bad(4, "must be an ISO 4217 code: three upper-case letters, e.g. EUR (or empty)");
        var category = f[6].Length == 0 || (f[6].Length == 4 && f[6].All(char.IsAsciiDigit))
            ? f[6] : throw Bad(6, "must be an ISO 18245 merchant category code: four digits, e.g. 5411 (or empty)");
        var lt = layout.LabelTime;
        DateTimeOffset? labelTime = lt < 0 || f[lt].Length == 0 ? null
            : EventTime.TryParse(f[lt], out var known) && known >= eventTime ? known
            : throw Bad(lt, "must " + EventTime.Rule + ", not before the event time (or empty)");

        var transaction = new Transaction(
            Required(0), Required(1), eventTime, amount, currency, Required(5), category, channel, OptionalFlag(8),
            f[9].Length == 0 ? null : f[9],
            f[10].Length == 0 ? null : f[10],
            Coordinate(11, 90), Coordinate(12, 180), Coordinate(13, 90), Coordinate(14, 180));

        // Training needs every label; a file scored may leave a row's label empty, and its scenario is not read.
        bool? isFraud = layout.IsFraud < 0 ? null : layout.Labelled ? Flag(layout.IsFraud) : OptionalFlag(layout.IsFraud);
        return new ParsedRow(transaction, isFraud, layout.Labelled ? Required(layout.Scenario) : "", labelTime);
    }

    private static string HeaderProblem(string? header, string[] optional) =>
        CsvHeader.Difference(header, Columns, optional) ?? "its header is not one this reader takes";

    private readonly record struct ParsedRow(Transaction Transaction, bool? IsFraud, string Scenario, DateTimeOffset? LabelTime);

    /// <summary>Where a file's columns are: the transaction's columns, then the label columns it has, in <see cref="Columns"/>' order.</summary>
    private sealed record Layout(string[] Names, bool Labelled, int IsFraud, int Scenario, int LabelTime)
    {
        /// <summary>The layout of <paramref name="header"/>, or null when it is not one this reader takes.</summary>
        public static Layout? Of(string? header, bool labelled)
        {
            var names = header?.Split(',') ?? [];
            if (names.Length < s_transactionColumns || !names.Take(s_transactionColumns).SequenceEqual(Columns.Take(s_transactionColumns)))
            {
                return null;
            }

            // Each label column at most once, in Columns' order.
            var labels = names.Skip(s_transactionColumns).ToList();
            if (!labels.SequenceEqual(Columns.Skip(s_transactionColumns).Where(labels.Contains)))
            {
                return null;
            }

            int Position(string name) => labels.IndexOf(name) is var i and >= 0 ? s_transactionColumns + i : -1;
            var layout = new Layout(names, labelled, Position("is_fraud"), Position("scenario"), Position("label_time"));
            return labelled && (layout.IsFraud < 0 || layout.Scenario < 0) ? null : layout;
        }
    }

    /// <summary>A time as the CSV writes it: UTC, ISO 8601, milliseconds.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The Avro symbol of a channel (POS, ECOMMERCE, ...).</summary>
    public static string ChannelName(Channel channel) => channel switch
    {
        Channel.Pos => "POS",
        Channel.Ecommerce => "ECOMMERCE",
        Channel.Atm => "ATM",
        Channel.Contactless => "CONTACTLESS",
        _ => "UNKNOWN",
    };

    /// <summary>The channel for an Avro symbol, or null.</summary>
    public static Channel? ParseChannel(string symbol) => symbol switch
    {
        "POS" => Channel.Pos,
        "ECOMMERCE" => Channel.Ecommerce,
        "ATM" => Channel.Atm,
        "CONTACTLESS" => Channel.Contactless,
        "UNKNOWN" => Channel.Unknown,
        _ => null,
    };

    internal static string? Checked(string? value) =>
        value is not null && value.AsSpan().IndexOfAny(",\n\r\"") >= 0
            ? throw new ArgumentException($"'{value}' cannot be written to the CSV: it contains a comma, quote or line break.")
            : value;
}
