using FraudStream.Core.Transactions;

namespace FraudStream.Core.Tests;

public sealed class FraudLabelCsvTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string Header = string.Join(',', FraudLabelCsv.Columns);

    [Test]
    public void Written_labels_read_back_equal()
    {
        // Arrange
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
        FraudLabel[] labels =
        [
            new("T1", "C1", "M1", "M1-T2", true, at, at.AddDays(3)),
            new("T2", "C2", "M9", null, false, at, at.AddDays(7)),
        ];
        using var text = new StringWriter();

        // Act
        FraudLabelCsv.Write(text, labels);
        var read = FraudLabelCsv.Read(new StringReader(text.ToString()), Now).ToList();

        // Assert
        Assert.That(text.ToString(), Does.StartWith("transaction_id,card_id,merchant_id,terminal_id,is_fraud,event_time,label_time\n"));
        Assert.That(read, Is.EqualTo(labels));
    }

    [Test]
    public void An_empty_label_time_is_now_and_an_empty_terminal_is_none()
    {
        // Act
        var label = FraudLabelCsv.Read(new StringReader($"{Header}\r\nT1,C1,M1,,0,2026-01-01T00:00:00Z,\r\n\n"), Now).Single();

        // Assert
        Assert.That(label, Is.EqualTo(new FraudLabel("T1", "C1", "M1", null, false, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), Now)));
    }

    [Test]
    public void A_file_without_the_header_is_refused_naming_what_differs()
    {
        // Act
        var error = Assert.Throws<FormatException>(() => FraudLabelCsv.Read(new StringReader(string.Join(',', LabelledTransactionCsv.Columns) + "\n"), Now, "labels.csv").ToList());

        // Assert
        Assert.That(error!.Message, Does.StartWith("labels.csv is not a labels CSV: its header has unexpected columns 'amount', 'currency', 'merchant_category',"));
    }

    [TestCase(",C1,M1,,1,2026-01-01T00:00:00Z,", "line 2: transaction_id '' is empty")]
    [TestCase("T1,C1,,,1,2026-01-01T00:00:00Z,", "line 2: merchant_id '' is empty")]
    [TestCase("T1,C1,M1,,yes,2026-01-01T00:00:00Z,", "line 2: is_fraud 'yes' must be 1 (fraud) or 0 (genuine)")]
    [TestCase("T1,C1,M1,,1,yesterday,", "line 2: event_time 'yesterday' must be an ISO 8601")]
    [TestCase("T1,C1,M1,,1,2026-01-05T00:00:00Z,2026-01-04T00:00:00Z", "line 2: label_time '2026-01-04T00:00:00Z' must be an ISO 8601 date and time from the years 2000 to 2099, e.g. 2026-03-14T09:30:00Z, not before the event_time")]
    [TestCase("T1,C1,M1,,1,2026-07-01T00:00:00Z,", "line 2: label_time '' is empty, which means now (2026-06-01T12:00:00.000Z), but the event_time is later")]
    [TestCase("T1,C1,M1,,1,2026-01-01T00:00:00Z", "line 2: expected 7 columns, found 6")]
    public void A_bad_row_is_refused_naming_its_line_and_column(string line, string expected)
    {
        // Arrange: a good row first, so the bad one is line 3 of the file.
        var csv = $"{Header}\nT0,C0,M0,,0,2026-01-01T00:00:00Z,\n{line}\n";

        // Act
        var error = Assert.Throws<FormatException>(() => FraudLabelCsv.Read(new StringReader(csv), Now, "labels.csv").ToList());

        // Assert
        Assert.That(error!.Message, Does.StartWith("labels.csv ").And.Contain(expected.Replace("line 2", "line 3", StringComparison.Ordinal)));
    }
}
