using FraudStream.Simulation;
using FraudStream.Core.Transactions;

namespace FraudStream.Core.Tests;

public sealed class LabelledTransactionCsvTests
{
    [Test]
    public void Written_rows_read_back_equal()
    {
        var rows = new TransactionGenerator(new GeneratorOptions { FraudRatio = 0.1 }).Generate(2_000).ToList();
        using var text = new StringWriter();

        LabelledTransactionCsv.Write(text, rows);
        var read = LabelledTransactionCsv.Read(new StringReader(text.ToString())).ToList();

        Assert.That(read, Is.EqualTo(rows));
    }

    [Test]
    public void Empty_optional_fields_read_as_missing_card_present_too()
    {
        var csv = string.Join(',', LabelledTransactionCsv.Columns.SkipLast(1)) + "\nT1,C1,2026-01-01T00:00:00Z,5,,M1,,,,,,,,,,0,genuine\n";

        var t = LabelledTransactionCsv.Read(new StringReader(csv)).Single().Transaction;

        Assert.That(t, Has.Property(nameof(Transaction.CardPresent)).Null
            .And.Property(nameof(Transaction.Currency)).Empty
            .And.Property(nameof(Transaction.MerchantCategory)).Empty
            .And.Property(nameof(Transaction.Channel)).EqualTo(Channel.Unknown));
    }

    [Test]
    public void A_missing_card_present_is_written_empty_and_reads_back_missing()
    {
        var row = new TransactionGenerator(new GeneratorOptions()).Generate(1).Single();
        var unknown = row with { Transaction = row.Transaction with { CardPresent = null } };
        using var text = new StringWriter();

        LabelledTransactionCsv.Write(text, [unknown]);

        Assert.That(LabelledTransactionCsv.Read(new StringReader(text.ToString())).Single(), Is.EqualTo(unknown));
    }

    [Test]
    public void A_file_read_for_scoring_may_leave_out_the_label_columns()
    {
        var csv = string.Join(',', LabelledTransactionCsv.Columns.SkipLast(3)) + "\n" + TransactionFields("T1") + "\n";

        var row = LabelledTransactionCsv.ReadForScoring(new StringReader(csv)).Single();

        Assert.That(row, Has.Property(nameof(TransactionRow.IsFraud)).Null.And.Property(nameof(TransactionRow.LabelTime)).Null);
        Assert.That(row.Transaction.TransactionId, Is.EqualTo("T1"));
    }

    [Test]
    public void A_file_read_for_scoring_may_keep_is_fraud_and_label_time_without_scenario_and_leave_a_label_empty()
    {
        var csv = string.Join(',', [.. LabelledTransactionCsv.Columns.SkipLast(3), "is_fraud", "label_time"]) + "\n"
            + TransactionFields("T1") + ",1,2026-01-03T00:00:00Z\n"
            + TransactionFields("T2") + ",,\n";

        var rows = LabelledTransactionCsv.ReadForScoring(new StringReader(csv)).ToList();

        Assert.That(rows.Select(r => (r.IsFraud, r.LabelTime)), Is.EqualTo(new (bool?, DateTimeOffset?)[]
        {
            (true, new DateTimeOffset(2026, 1, 3, 0, 0, 0, TimeSpan.Zero)),
            (null, null),
        }));
    }

    [Test]
    public void Training_refuses_a_file_without_labels_and_an_empty_label()
    {
        var unlabelled = string.Join(',', LabelledTransactionCsv.Columns.SkipLast(3)) + "\n" + TransactionFields("T1") + "\n";
        var emptyLabel = string.Join(',', LabelledTransactionCsv.Columns.SkipLast(1)) + "\n" + TransactionFields("T1") + ",,genuine\n";

        var noColumns = Assert.Throws<FormatException>(() => LabelledTransactionCsv.Read(new StringReader(unlabelled), "data.csv").ToList());
        var noValue = Assert.Throws<FormatException>(() => LabelledTransactionCsv.Read(new StringReader(emptyLabel), "data.csv").ToList());

        Assert.That(noColumns!.Message, Is.EqualTo("data.csv is not a labelled-transactions CSV: its header has missing columns 'is_fraud', 'scenario'."));
        Assert.That(noValue!.Message, Does.Contain("line 2: is_fraud '' must be 0 or 1"));
    }

    [TestCase("scenario,is_fraud", "column 16 is 'scenario' where 'is_fraud' belongs (the columns keep the documented order)")]
    [TestCase("is_fraud,is_fraud", "its header has repeated column 'is_fraud'")]
    [TestCase("is_fraud,score", "its header has unexpected column 'score'")]
    public void A_header_with_label_columns_out_of_order_repeated_or_unknown_is_refused_saying_which(string labels, string problem)
    {
        var csv = string.Join(',', LabelledTransactionCsv.Columns.SkipLast(3)) + "," + labels + "\n";

        var error = Assert.Throws<FormatException>(() => LabelledTransactionCsv.ReadForScoring(new StringReader(csv), "data.csv").ToList());

        Assert.That(error!.Message, Is.EqualTo($"data.csv is not a transactions CSV: {problem}."));
    }

    [Test]
    public void A_pandas_export_with_its_index_column_and_without_scenario_is_refused_naming_both()
    {
        var csv = "Unnamed: 0," + string.Join(',', LabelledTransactionCsv.Columns.Where(c => c != "scenario")) + "\n";

        var error = Assert.Throws<FormatException>(() => LabelledTransactionCsv.Read(new StringReader(csv), "data.csv").ToList());

        Assert.That(error!.Message, Is.EqualTo("data.csv is not a labelled-transactions CSV: its header has missing column 'scenario'; unexpected column 'Unnamed: 0'."));
    }

    [Test]
    public void A_bad_row_read_for_scoring_names_its_line_and_the_column_by_the_header()
    {
        var csv = string.Join(',', [.. LabelledTransactionCsv.Columns.SkipLast(3), "is_fraud", "label_time"]) + "\n"
            + TransactionFields("T1") + ",1,2026-01-03T00:00:00Z\n"
            + TransactionFields("T2") + ",1,soon\n";

        var error = Assert.Throws<FormatException>(() => LabelledTransactionCsv.ReadForScoring(new StringReader(csv), "data.csv").ToList());

        Assert.That(error!.Message, Does.Contain("data.csv line 3: label_time 'soon'"));
    }

    private static string TransactionFields(string id) => $"{id},C1,2026-01-01T00:00:00Z,5,EUR,M1,5411,POS,1,,,,,,";

    [Test]
    public void A_file_without_the_header_is_refused_with_what_to_fix()
    {
        var error = Assert.Throws<FormatException>(() => LabelledTransactionCsv.Read(new StringReader("a,b,c\n"), "data.csv").ToList());
        var empty = Assert.Throws<FormatException>(() => LabelledTransactionCsv.Read(new StringReader(""), "data.csv").ToList());

        Assert.That(error!.Message, Does.StartWith("data.csv is not a labelled-transactions CSV: its header has missing columns 'transaction_id', 'card_id',")
            .And.EndWith("; unexpected columns 'a', 'b', 'c'."));
        Assert.That(empty!.Message, Is.EqualTo("data.csv is not a labelled-transactions CSV: it is empty: its first line must be the header."));
    }

    [TestCase("T1,C1,2026-01-01T00:00:00Z,-5,EUR,M1,5411,POS,1,,,,,,,0,genuine", "line 2: amount '-5'")]
    [TestCase("T1,C1,2026-01-01T00:00:00Z,NaN,EUR,M1,5411,POS,1,,,,,,,0,genuine", "line 2: amount 'NaN'")]
    [TestCase("T1,C1,yesterday,5,EUR,M1,5411,POS,1,,,,,,,0,genuine", "line 2: event_time 'yesterday'")]
    [TestCase("T1,C1,2026/03/14 9:30,5,EUR,M1,5411,POS,1,,,,,,,0,genuine", "line 2: event_time '2026/03/14 9:30' must be an ISO 8601")]
    [TestCase("T1,C1,2026-03-14 09:30:00 PM,5,EUR,M1,5411,POS,1,,,,,,,0,genuine", "line 2: event_time '2026-03-14 09:30:00 PM'")]
    [TestCase("T1,C1,0001-01-01T00:00:00Z,5,EUR,M1,5411,POS,1,,,,,,,0,genuine", "line 2: event_time '0001-01-01T00:00:00Z' must be an ISO 8601 date and time from the years 2000")]
    [TestCase("T1,C1,2026-01-01T00:00:00Z,5,EUR,M1,5411,BARTER,1,,,,,,,0,genuine", "line 2: channel 'BARTER'")]
    [TestCase("T1,C1,2026-01-01T00:00:00Z,5,EUR,M1,5411,POS,1,,,95,,,,0,genuine", "line 2: merchant_latitude '95'")]
    [TestCase("T1,C1,2026-01-01T00:00:00Z,5,EUR,M1,5411,POS,1,,,,,,,yes,genuine", "line 2: is_fraud 'yes'")]
    [TestCase("T1,C1,2026-01-01T00:00:00Z,5,EUR,M1,5411,POS,yes,,,,,,,0,genuine", "line 2: card_present 'yes' must be 0 or 1 (or empty)")]
    [TestCase("T1,C1,2026-01-01T00:00:00Z,5,EUR", "line 2: expected 17 columns, found 5")]
    public void A_bad_row_is_refused_naming_its_line_and_column(string line, string expected)
    {
        // The header without the optional label_time column: files written before it existed still read.
        var csv = string.Join(',', LabelledTransactionCsv.Columns.SkipLast(1)) + "\n" + line + "\n";

        var error = Assert.Throws<FormatException>(() => LabelledTransactionCsv.Read(new StringReader(csv), "data.csv").ToList());

        Assert.That(error!.Message, Does.Contain(expected));
    }
}
