using System.CommandLine;
using FraudStream.Avro.Registry;
using FraudStream.Cli.Traffic;
using FraudStream.Core;
using FraudStream.Core.Features.History;

namespace FraudStream.Cli.Retraining;

/// <summary>Where training data is read from Kafka.</summary>
/// <param name="Bootstrap">The cluster.</param>
/// <param name="Topic">The transactions topic.</param>
/// <param name="LabelsTopic">The labels topic.</param>
/// <param name="Schemas">Where writer schemas come from.</param>
/// <param name="TimestampMargin">How far before a window's start reading begins, by record timestamp: clocks that disagree.</param>
/// <param name="WarmUp">How long before the window its transactions and labels feed history only (the longest history window by default).</param>
internal sealed record KafkaTrainingSource(string Bootstrap, string Topic, string LabelsTopic, ISchemaRegistry Schemas, TimeSpan TimestampMargin, TimeSpan WarmUp);

/// <summary>The options that name a <see cref="KafkaTrainingSource"/>, the same for <c>train --from-kafka</c> and <c>retrain</c>.</summary>
internal sealed class KafkaSourceOptions
{
    /// <summary>The default of <c>--timestamp-margin</c>.</summary>
    public static readonly TimeSpan DefaultTimestampMargin = TimeSpan.FromHours(1);

    private readonly Option<string?> _bootstrap = KafkaCluster.CreateBootstrapOption();
    private readonly Option<string> _topic = new("--topic") { Description = "The transactions topic.", HelpName = "name", DefaultValueFactory = _ => KafkaTopics.DefaultTransactions };
    private readonly Option<string> _labelsTopic = new("--labels-topic") { Description = "The labels topic.", HelpName = "name", DefaultValueFactory = _ => KafkaTopics.DefaultFraudLabels };
    private readonly Option<string?> _schemaRegistry = WriterSchemas.CreateOption();
    private readonly Option<TimeSpan?> _timestampMargin = OptionValues.DurationOption(
        "--timestamp-margin",
        "Start reading each partition at the first record timestamped this long before the window's start (a record is produced after its "
            + "event; the margin covers producers' clocks that run behind the events').",
        DefaultTimestampMargin);

    private readonly Option<TimeSpan?> _warmUp = new("--warm-up")
    {
        Description = "Replay this long before the window into history only (not trained on), so the window's first rows get the card "
            + "and label history a running scorer gave them; default the longest history window (30d), 0 for none.",
        HelpName = "time",
        DefaultValueFactory = _ => HistorySettings.Retention,
        CustomParser = result => result.Tokens is [.., { Value: "0" or "0s" or "0d" }] ? TimeSpan.Zero : OptionValues.Duration(result, "--warm-up"),
    };

    /// <summary>Every option, to add to a command or to check which were given.</summary>
    public IReadOnlyList<Option> All => [_bootstrap, _topic, _labelsTopic, _schemaRegistry, _timestampMargin, _warmUp];

    /// <summary>The source the command line names; null with one sentence when it cannot work.</summary>
    public KafkaTrainingSource? Resolve(ParseResult parseResult, TimeProvider time, out string? error)
    {
        var bootstrap = KafkaCluster.ResolveBootstrap(parseResult.GetValue(_bootstrap));
        if (bootstrap is null)
        {
            error = KafkaCluster.MissingBootstrap;
            return null;
        }

        var schemas = WriterSchemas.Open(parseResult.GetValue(_schemaRegistry), time, out error);
        return schemas is null
            ? null
            : new KafkaTrainingSource(
                bootstrap, parseResult.GetValue(_topic)!, parseResult.GetValue(_labelsTopic)!, schemas,
                parseResult.GetValue(_timestampMargin) ?? DefaultTimestampMargin, parseResult.GetValue(_warmUp) ?? HistorySettings.Retention);
    }
}
