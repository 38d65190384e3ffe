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
    public static Option<TimeSpan?> Create() => new("--label-delay")
    {
        Description = "When a row's label becomes known, for rows without a label_time: this long after the transaction, e.g. 7d, 36h, 90m.",
        DefaultValueFactory = _ => TrainingOptions.DefaultLabelDelay,
        CustomParser = result => OptionValues.Duration(result, "--label-delay"),
        HelpName = "time",
    };
}
