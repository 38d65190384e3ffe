using System.CommandLine;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using FraudStream.Avro;
using FraudStream.Avro.Registry;
using FraudStream.Cli.Hosting;
using FraudStream.Cli.Traffic;
using FraudStream.Core;
using FraudStream.Simulation;

namespace FraudStream.Cli.Verbs;

/// <summary>
/// `fraudstream loadgen`: produces generated transactions to Kafka at a target rate (Avro, Confluent wire format, key =
/// card id, idempotent producer with acks=all) and reports what was sent, acknowledged and how fast; with
/// <c>--follow-alerts</c> also how long the run's transactions took to show up as committed alerts.
/// </summary>
internal static class LoadgenVerb
{
    private static readonly TimeSpan s_progressInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_flushLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_flushLimitWhenStopping = TimeSpan.FromSeconds(10);

    /// <summary>Rates (records/s) up to which the producer lingers <see cref="LowRateLingerMs"/> unless told otherwise.</summary>
    private const double LowRateLimit = 5_000;

    /// <summary>The producer's linger at low rates: at 2,000 records/s librdkafka's 5 ms was half the median produce → alert latency.</summary>
    private const double LowRateLingerMs = 1;

    /// <summary>
    /// The linger the producer takes at <paramref name="rate"/> without --linger-ms: <see cref="LowRateLingerMs"/> up to
    /// <see cref="LowRateLimit"/>, librdkafka's 5 ms above, where fewer and fuller requests spare the broker
    /// (docs/PERFORMANCE.md, "The load generator's linger").
    /// </summary>
    private static double DefaultLingerMs(double rate) => rate <= LowRateLimit ? LowRateLingerMs : IdempotentProducing.DefaultLingerMs;

    public static Command Create()
    {
        var rate = new Option<double>("--rate")
        {
            Description = "Target rate in records per second.",
            HelpName = "records/s",
            DefaultValueFactory = _ => 1_000,
            CustomParser = result => OptionValues.Number(result, "--rate", 0, inclusive: false, 1_000_000, "a positive number of records per second, at most 1000000"),
        };
        var duration = new Option<TimeSpan?>("--duration")
        {
            Description = "Produce for this long: seconds, or 500ms, 30s, 5m, 1h. Without --duration or --count: until Ctrl+C.",
            HelpName = "time",
            CustomParser = result => OptionValues.Duration(result, "--duration"),
        };
        var count = new Option<int?>("--count")
        {
            Description = "Produce this many records, then stop.",
            HelpName = "n",
            CustomParser = result => OptionValues.PositiveCount(result, "--count"),
        };
        var fraudRatio = new Option<double>("--fraud-ratio")
        {
            Description = "Expected share of fraudulent transactions, 0..0.5.",
            DefaultValueFactory = _ => 0.01,
            CustomParser = result => OptionValues.Number(result, "--fraud-ratio", 0, inclusive: true, double.PositiveInfinity, "a number from 0 to 0.5"),
        };
        var cards = new Option<int>("--cards")
        {
            Description = "Number of cards.",
            DefaultValueFactory = _ => 5_000,
            CustomParser = result => OptionValues.PositiveCount(result, "--cards"),
        };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed produces the same records.", DefaultValueFactory = _ => 42 };
        var bootstrap = KafkaCluster.CreateBootstrapOption();
        var topic = new Option<string>("--topic") { Description = "Topic to produce to.", HelpName = "name", DefaultValueFactory = _ => KafkaTopics.DefaultTransactions };
        var schemaRegistry = WriterSchemas.CreateOption();
        var followAlerts = new Option<bool>("--follow-alerts")
        {
            Description = "Also read the alerts topic (read_committed, from its end at start) and report the end-to-end latency "
                + "from produce to visible alert for this run's transactions.",
        };
        var alertsTopic = new Option<string>("--alerts-topic")
        {
            Description = "The alerts topic --follow-alerts reads.",
            HelpName = "name",
            DefaultValueFactory = _ => KafkaTopics.DefaultFraudAlerts,
        };
        var followSeconds = new Option<double>("--follow-seconds")
        {
            Description = "With --follow-alerts: how long to keep reading alerts after the last record is acknowledged.",
            HelpName = "seconds",
            DefaultValueFactory = _ => 5,
            CustomParser = result => OptionValues.Number(result, "--follow-seconds", 0, inclusive: true, 3_600, "a number of seconds from 0 to 3600"),
        };

        var linger = OptionValues.LingerOption("--linger-ms", string.Create(CultureInfo.InvariantCulture,
            $"How long the producer waits to fill a request (librdkafka linger.ms). Default: {LowRateLingerMs} ms at rates up to "
            + $"{LowRateLimit} records/s, {IdempotentProducing.DefaultLingerMs} ms (librdkafka's default) above."));

        var (labelsTopic, noLabels, labelDelay) = LabelRelease.CreateOptions();

        var command = new Command(
            "loadgen",
            "Produce generated card transactions (with fraud scenarios) to Kafka at a target rate: Avro in the Confluent wire format, "
            + "keyed by card, idempotent producer (acks=all); each transaction's label (fraud or genuine) follows on the labels topic "
            + "once due. Progress on stderr, a summary on stdout.")
        {
            rate, duration, count, fraudRatio, cards, seed, bootstrap, topic, schemaRegistry, followAlerts, alertsTopic, followSeconds,
            linger, labelsTopic, noLabels, labelDelay,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(count) is not null && result.GetResult(duration) is not null)
            {
                result.AddError("Give --count or --duration, not both.");
            }

            if (result.GetValue(noLabels) && result.GetResult(labelDelay) is not null)
            {
                result.AddError("Give --no-labels or --label-delay, not both.");
            }
        });
        command.SetAction((parseResult, _) => RunAsync(new LoadgenSettings(
            parseResult.GetValue(rate),
            parseResult.GetValue(count),
            parseResult.GetValue(duration),
            new GeneratorOptions
            {
                Seed = parseResult.GetValue(seed),
                FraudRatio = parseResult.GetValue(fraudRatio),
                Cards = parseResult.GetValue(cards),
            },
            parseResult.GetValue(bootstrap),
            parseResult.GetValue(topic)!,
            parseResult.GetValue(schemaRegistry),
            parseResult.GetValue(followAlerts),
            parseResult.GetValue(alertsTopic)!,
            TimeSpan.FromSeconds(parseResult.GetValue(followSeconds)),
            parseResult.GetValue(linger) ?? DefaultLingerMs(parseResult.GetValue(rate)),
            parseResult.GetValue(noLabels) ? null : parseResult.GetValue(labelsTopic)!,
            parseResult.GetValue(labelDelay))));
        return command;
    }

    private static async Task<int> RunAsync(LoadgenSettings settings)
    {
        var bootstrap = KafkaCluster.ResolveBootstrap(settings.Bootstrap);
        if (bootstrap is null)
        {
            await Console.Error.WriteLineAsync(KafkaCluster.MissingBootstrap);
            return CommandLineRunner.UsageError;
        }

        TransactionGenerator generator;
        try
        {
            generator = new TransactionGenerator(settings.Generator);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return CommandLineRunner.UsageError;
        }

        var time = TimeProvider.System;
        var schemas = WriterSchemas.Open(settings.SchemaRegistryUrl, time, out var schemaError);
        if (schemas is null)
        {
            await Console.Error.WriteLineAsync(schemaError);
            return CommandLineRunner.UsageError;
        }

        using var termination = new TerminationSignal();
        int? schemaId;
        try
        {
            schemaId = await WriterSchemas.RegisterAsync(schemas, settings.Topic, "transaction.avsc", termination.Token);
        }
        catch (OperationCanceledException)
        {
            return 0;
        }

        if (schemaId is null)
        {
            return 1;
        }

        using var producer = IdempotentProducing.Build(bootstrap, "fraudstream-loadgen", s_flushLimit, settings.LingerMs);
        if (!KafkaCluster.TryGetPartitions(producer.Handle, settings.Topic, bootstrap, out _, out var topicError))
        {
            await Console.Error.WriteLineAsync(topicError);
            return 1;
        }

        LabelRelease? labels = null;
        if (settings.LabelsTopic is { } labelsTopic)
        {
            int? labelSchemaId;
            try
            {
                labelSchemaId = await WriterSchemas.RegisterAsync(schemas, labelsTopic, "fraud_label.avsc", termination.Token);
            }
            catch (OperationCanceledException)
            {
                return 0;
            }

            if (labelSchemaId is null)
            {
                return 1;
            }

            if (!KafkaCluster.TryGetPartitions(producer.Handle, labelsTopic, bootstrap, out _, out var labelsTopicError))
            {
                await Console.Error.WriteLineAsync(labelsTopicError + " (Or pass --no-labels.)");
                return 1;
            }

            labels = new LabelRelease(producer, labelsTopic, new FraudLabelMessageCodec(schemas), labelSchemaId.Value, settings.LabelDelay, time);
        }

        AlertFollower? follower = null;
        if (settings.FollowAlerts)
        {
            follower = AlertFollower.TryStart(bootstrap, settings.AlertsTopic, settings.Topic, schemas, time, out var followError);
            if (follower is null)
            {
                await Console.Error.WriteLineAsync(followError);
                return 1;
            }
        }

        using (follower)
        {
            var tally = new ProduceTally(time);
            var pacer = new RatePacer(settings.Rate, time);
            using var progressStop = new CancellationTokenSource();
            var progress = ReportProgressAsync(tally, follower, time, progressStop.Token);

            var (produced, streamTime) = await ProduceAsync(settings, generator, schemas, schemaId.Value, producer, pacer, tally, follower, labels, termination.Token);
            var elapsed = pacer.Elapsed > pacer.DueTime(produced) ? pacer.Elapsed : pacer.DueTime(produced);
            await DrainLabelsAsync(labels, streamTime, termination.Token);
            await IdempotentProducing.FlushAsync(producer, termination.Token.IsCancellationRequested ? s_flushLimitWhenStopping : s_flushLimit);

            if (follower is not null)
            {
                try
                {
                    await Task.Delay(settings.FollowWindow, time, termination.Token);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C ends the wait for late alerts; the summary still follows.
                }

                await follower.StopAsync();
            }

            await progressStop.CancelAsync();
            await progress;
            PrintSummary(settings, tally, labels, follower, elapsed);
            var labelsFailed = labels is not null && (labels.Tally.Errors > 0 || labels.Tally.Acknowledged < labels.Tally.Sent);
            return tally.Errors > 0 || tally.Acknowledged < tally.Sent || labelsFailed ? 1 : 0;
        }
    }

    /// <returns>The number of records handed to the producer, and the event time of the last one.</returns>
    private static async Task<(long Produced, DateTimeOffset StreamTime)> ProduceAsync(
        LoadgenSettings settings, TransactionGenerator generator, ISchemaRegistry schemas, int schemaId, IProducer<byte[], byte[]> producer,
        RatePacer pacer, ProduceTally tally, AlertFollower? follower, LabelRelease? labels, CancellationToken stopping)
    {
        var codec = new TransactionMessageCodec(schemas, new TransactionAvroCodec());
        long index = 0;
        var streamTime = settings.Generator.Start;
        try
        {
            foreach (var labelled in generator.Generate(settings.Count ?? int.MaxValue))
            {
                if (settings.Duration is { } duration && (pacer.DueTime(index) >= duration || pacer.Elapsed >= duration))
                {
                    break;
                }

                await pacer.WaitForTurnAsync(index, stopping);
                var transaction = labelled.Transaction;
                var message = new Message<byte[], byte[]>
                {
                    Key = Encoding.UTF8.GetBytes(transaction.CardId),
                    Value = codec.Encode(transaction, schemaId),
                    Timestamp = labels?.Stamp() ?? Timestamp.Default,
                };
                if (!await IdempotentProducing.ProduceAsync(producer, settings.Topic, message, tally, stopping, at => follower?.Expect(transaction.TransactionId, at)))
                {
                    break;
                }

                if (index++ == 0)
                {
                    pacer.Restart(); // the schedule starts once the first record is out
                }

                streamTime = transaction.EventTime;
                labels?.Add(labelled, message.Timestamp);
                if (labels is not null && !await labels.ReleaseDueAsync(streamTime, stopping))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM: stop producing, then flush and report what was sent.
        }

        return (index, streamTime);
    }

    private static async Task DrainLabelsAsync(LabelRelease? labels, DateTimeOffset streamTime, CancellationToken stopping)
    {
        try
        {
            if (labels is not null)
            {
                await labels.DrainAsync(streamTime, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Ctrl+C ends the wait for labels still to come due; the summary says how many.
        }
    }

    private static async Task ReportProgressAsync(ProduceTally tally, AlertFollower? follower, TimeProvider time, CancellationToken stop)
    {
        var live = !Console.IsErrorRedirected;
        var width = 0;
        using var timer = new PeriodicTimer(s_progressInterval, time);
        long lastSent = 0;
        var last = time.GetTimestamp();
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var now = time.GetTimestamp();
                var sent = tally.Sent;
                var rate = (sent - lastSent) / Math.Max(1e-3, time.GetElapsedTime(last, now).TotalSeconds);
                (lastSent, last) = (sent, now);
                var alerts = follower is null ? "" : string.Create(CultureInfo.InvariantCulture, $", alerts {follower.EndToEnd.Count:N0}");
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"loadgen: sent {sent:N0}, acknowledged {tally.Acknowledged:N0}, errors {tally.Errors:N0}, {rate:N0} records/s{alerts}");
                if (live)
                {
                    // One line, rewritten in place.
                    await Console.Error.WriteAsync("\r" + line.PadRight(width));
                    width = Math.Max(width, line.Length);
                }
                else
                {
                    await Console.Error.WriteLineAsync(line);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }

        if (live && width > 0)
        {
            await Console.Error.WriteLineAsync();
        }
    }

    private static void PrintSummary(LoadgenSettings settings, ProduceTally tally, LabelRelease? labels, AlertFollower? follower, TimeSpan elapsed)
    {
        var invariant = CultureInfo.InvariantCulture;
        var achieved = tally.Acknowledged / Math.Max(1e-3, elapsed.TotalSeconds);
        Console.WriteLine(string.Create(invariant, $"Sent:                {tally.Sent:N0} records to '{settings.Topic}' (seed {settings.Generator.Seed})"));
        Console.WriteLine(string.Create(invariant, $"Acknowledged:        {tally.Acknowledged:N0}"));
        Console.WriteLine(string.Create(invariant, $"Errors:              {tally.Errors:N0}{(tally.FirstError is { } first ? $" (first: {first})" : "")}"));
        if (tally.Sent - tally.Acknowledged - tally.Errors is > 0 and var unanswered)
        {
            Console.WriteLine(string.Create(invariant, $"Unanswered:          {unanswered:N0} (no delivery report before the flush limit)"));
        }

        Console.WriteLine(string.Create(invariant, $"Achieved rate:       {achieved:N1} records/s over {elapsed.TotalSeconds:N2} s (target {settings.Rate:N0})"));
        Console.WriteLine(tally.Acknowledgement.Summarize() is { } acks
            ? string.Create(invariant, $"Produce-ack latency: {acks} (the producer lingers {settings.LingerMs:0.###} ms)")
            : "Produce-ack latency: no acknowledgements");
        Console.WriteLine(labels is null
            ? "Labels:              none (--no-labels)"
            : string.Create(invariant, $"Labels:              {labels.Tally.Acknowledged:N0} acknowledged on '{settings.LabelsTopic}' ({labels.Fraud:N0} fraud, {labels.Tally.Sent - labels.Fraud:N0} genuine sent, {labels.Tally.Errors:N0} errors); {labels.Pending:N0} not yet due when the run ended"));
        if (follower is null)
        {
            return;
        }

        Console.WriteLine(follower.EndToEnd.Summarize() is { } endToEnd
            ? string.Create(invariant, $"End-to-end latency:  {endToEnd} ({endToEnd.Count:N0} alerts on '{settings.AlertsTopic}' for this run's transactions)")
            : string.Create(invariant, $"End-to-end latency:  no alerts on '{settings.AlertsTopic}' for this run's transactions within {settings.FollowWindow.TotalSeconds:N0} s of the last acknowledgement"));
        if (follower.Undecodable > 0)
        {
            Console.WriteLine(string.Create(invariant, $"Undecodable alerts:  {follower.Undecodable:N0} (skipped)"));
        }
    }

    private sealed record LoadgenSettings(
        double Rate,
        int? Count,
        TimeSpan? Duration,
        GeneratorOptions Generator,
        string? Bootstrap,
        string Topic,
        string? SchemaRegistryUrl,
        bool FollowAlerts,
        string AlertsTopic,
        TimeSpan FollowWindow,
        double LingerMs,
        string? LabelsTopic,
        TimeSpan? LabelDelay);
}
