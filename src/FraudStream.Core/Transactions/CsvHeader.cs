namespace FraudStream.Core.Transactions;

/// <summary>
/// What is wrong with a CSV's header, said as a reader needs it: the columns missing, the ones not expected, a repeated
/// one, or the first one out of order. Not the whole expected header: the difference is what a person fixes.
/// </summary>
public static class CsvHeader
{
    /// <summary>
    /// Why <paramref name="header"/> (null: the file is empty) is not <paramref name="columns"/> in order, where the columns
    /// in <paramref name="optional"/> may be left out; null when it is.
    /// </summary>
    public static string? Difference(string? header, IReadOnlyList<string> columns, IReadOnlyCollection<string>? optional = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (string.IsNullOrEmpty(header))
        {
            return "it is empty: its first line must be the header";
        }

        optional ??= [];
        var names = header.Split(',');
        var problems = new List<string>();
        var missing = columns.Where(c => !optional.Contains(c) && !names.Contains(c)).ToList();
        var unexpected = names.Where(n => !columns.Contains(n)).Distinct().ToList();
        var repeated = names.Where(columns.Contains).GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Add(problems, "missing", missing);
        Add(problems, "unexpected", unexpected);
        Add(problems, "repeated", repeated);
        if (problems.Count == 0)
        {
            // Every name is known and there once: then only the order can be wrong.
            var expected = columns.Where(names.Contains).ToList();
            for (var i = 0; i < names.Length; i++)
            {
                if (names[i] != expected[i])
                {
                    return $"column {i + 1} is '{names[i]}' where '{expected[i]}' belongs (the columns keep the documented order)";
                }
            }

            return null;
        }

        return "its header has " + string.Join("; ", problems);
    }

    private static void Add(List<string> problems, string what, List<string> names)
    {
        if (names.Count > 0)
        {
            problems.Add($"{what} column{(names.Count > 1 ? "s" : "")} {string.Join(", ", names.Select(n => $"'{n}'"))}");
        }
    }
}
