namespace FraudStream.Cli.Hosting;

/// <summary>The checks a verb makes of the CSV it reads (--data) or writes (--out) before it starts: one sentence, or null.</summary>
internal static class DataFiles
{
    /// <summary>What is wrong with <paramref name="data"/> as the <paramref name="what"/> CSV to read (e.g. "labelled-transactions"), or null.</summary>
    public static string? InputProblem(FileInfo data, string what) =>
        Directory.Exists(data.FullName) ? $"--data: '{data.FullName}' is a directory; name the {what} CSV file in it."
        : !data.Exists ? $"--data: '{data.FullName}' does not exist."
        : null;

    /// <summary>What is wrong with <paramref name="output"/> as a file to write (<paramref name="example"/>: a file name to suggest), or null.</summary>
    public static string? OutputProblem(FileInfo output, string example) =>
        output.Directory is { Exists: false } directory ? $"--out: the directory '{directory.FullName}' does not exist."
        : Directory.Exists(output.FullName) ? $"--out: '{output.FullName}' is a directory; name a file to write, e.g. {Path.Combine(output.FullName, example)}."
        : null;
}
