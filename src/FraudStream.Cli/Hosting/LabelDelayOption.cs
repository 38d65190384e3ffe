using System.CommandLine;
using FraudStream.Cli.Traffic;
using FraudStream.Training;

namespace FraudStream.Cli.Hosting;

/// <summary>
/// <c>--label-delay</c>, the same for <c>train</c> and <c>predict</c>: both replay history with labels known from the
/// same time, so a row gets the same features in either.
/// </summary>
internal static class LabelDelayOption
{
    private const string DefaultDescription =
        "When a row's label becomes known, for rows without a label_time: this long after the transaction, e.g. 7d, 36h, 90m.";

    /// <summary>The option, described as <paramref name="description"/> says (by default: for rows of a CSV).</summary>
    public static Option<TimeSpan?> Create(string description = DefaultDescription) => new("--label-delay")
    {
        Description = description,
        DefaultValueFactory = _ => TrainingOptions.DefaultLabelDelay,
        CustomParser = result => OptionValues.Duration(result, "--label-delay"),
        HelpName = "time",
    };
}
