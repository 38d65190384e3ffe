using System.CommandLine;
using System.Text;
using Confluent.Kafka;
using FraudStream.Avro;
using FraudStream.Cli.Traffic;
using FraudStream.Core;
using FraudStream.Core.Transactions;

namespace FraudStream.Cli.Verbs;

/// <summary>
/// loadgen's labels: each generated transaction's label goes to the labels topic once it is due in loadgen's timeline,
/// never before the transaction it labels. By default a label is due when loadgen has produced a transaction whose event
/// time reaches the label's time (the generator's chargeback and settlement delays, in event time); with a wall-clock
/// delay it is due that long after its transaction was produced, and carries the stream's event time at that moment.
/// On the wall clock, the transaction's and the label's Kafka timestamps are both set from the clock the delay is counted
/// on, so no label is stamped less than the delay after its transaction (with librdkafka's own timestamps, taken from
/// another clock than the delay's, a label came up to 3 ms early).
/// </summary>
internal sealed class LabelRelease
{
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly string _topic;
    private readonly FraudLabelMessageCodec _codec;
    private readonly int _schemaId;
    private readonly long? _delayTicks;
    private readonly TimeProvider _time;
    private readonly PriorityQueue<LabelledTransaction, (long Due, long Sequence)> _pending = new();
    private long _sequence;
    private long _fraud;

    public LabelRelease(IProducer<byte[], byte[]> producer, string topic, FraudLabelMessageCodec codec, int schemaId, TimeSpan? wallClockDelay, TimeProvider time)
    {
        (_producer, _topic, _codec, _schemaId, _time) = (producer, topic, codec, schemaId, time);
        _delayTicks = wallClockDelay?.Ticks;
        Tally = new ProduceTally(time);
    }

    /// <summary>Labels handed to the producer and what the cluster answered.</summary>
    public ProduceTally Tally { get; }

    /// <summary>Fraud labels handed to the producer.</summary>
    public long Fraud => _fraud;

    /// <summary>Labels not yet due.</summary>
    public int Pending => _pending.Count;

    /// <summary>The options loadgen takes for its labels.</summary>
    public static (Option<string> Topic, Option<bool> Off, Option<TimeSpan?> Delay) CreateOptions() =>
    (
        new Option<string>("--labels-topic") { Description = "The topic the labels go to.", HelpName = "name", DefaultValueFactory = _ => KafkaTopics.DefaultFraudLabels },
        new Option<bool>("--no-labels") { Description = "Produce no labels." },
        new Option<TimeSpan?>("--label-delay")
        {
            Description = "Produce each transaction's label this long (wall clock) after the transaction, e.g. 30s. Default: when the "
                + "stream's event time reaches the label's time (fraud 1-14 days, genuine 7 days after the transaction in event time; "
                + "about a minute at 1,000 records/s).",
            HelpName = "time",
            CustomParser = result => OptionValues.Duration(result, "--label-delay"),
        }
    );

    /// <summary>The Kafka timestamp for a transaction about to be produced: on the wall clock, the delay's own clock; else the client's.</summary>
    public Timestamp Stamp() => _delayTicks is null ? Timestamp.Default : new Timestamp(_time.GetUtcNow());

    /// <summary>Takes the label of a transaction just produced with <paramref name="stamp"/> (from <see cref="Stamp"/>).</summary>
    public void Add(LabelledTransaction row, Timestamp stamp)
    {
        var due = _delayTicks is { } delay ? stamp.UtcDateTime.Ticks + delay : LabelTimeOf(row).UtcTicks;
        _pending.Enqueue(row, (due, ++_sequence));
    }

    /// <summary>Produces every label due now; <paramref name="streamTime"/> is the event time of the last transaction produced.</summary>
    /// <returns>False when the producer failed for good.</returns>
    public async Task<bool> ReleaseDueAsync(DateTimeOffset streamTime, CancellationToken stopping)
    {
        var now = _delayTicks is null ? streamTime.UtcTicks : _time.GetUtcNow().UtcTicks;
        while (_pending.TryPeek(out var row, out var due) && due.Due <= now)
        {
            _pending.Dequeue();
            // On the wall clock a label is known at the stream's time of its release, which is never before its transaction.
            var labelTime = _delayTicks is null ? LabelTimeOf(row)
                : streamTime > row.Transaction.EventTime ? streamTime : row.Transaction.EventTime;
            var label = FraudLabel.Of(row, labelTime);
            var message = new Message<byte[], byte[]>
            {
                Key = Encoding.UTF8.GetBytes(label.CardId),
                Value = _codec.Encode(label, _schemaId),
                Timestamp = _delayTicks is null ? Timestamp.Default : new Timestamp(new DateTime(Math.Max(now, due.Due), DateTimeKind.Utc)),
            };
            if (!await IdempotentProducing.ProduceAsync(_producer, _topic, message, Tally, stopping))
            {
                return false;
            }

            _fraud += label.IsFraud ? 1 : 0;
        }

        return true;
    }

    /// <summary>
    /// After the last transaction: on the wall clock, waits for the remaining labels to come due (at most the delay) and
    /// produces them. In event time they lie in the stream's future and stay unproduced.
    /// </summary>
    public async Task DrainAsync(DateTimeOffset streamTime, CancellationToken stopping)
    {
        while (_delayTicks is not null && _pending.TryPeek(out _, out var next))
        {
            var wait = TimeSpan.FromTicks(next.Due - _time.GetUtcNow().UtcTicks);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _time, stopping);
            }

            if (!await ReleaseDueAsync(streamTime, stopping))
            {
                return;
            }
        }
    }

    private static DateTimeOffset LabelTimeOf(LabelledTransaction row) => row.LabelTime ?? row.Transaction.EventTime;
}
