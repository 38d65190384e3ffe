using System.CommandLine;
using Confluent.Kafka;
using FraudStream.Streaming.DevBroker;

namespace FraudStream.Cli.Verbs;

/// <summary>
/// `fraudstream demo`: the embedded default. Today it starts the development broker and shows what
/// FraudStream's exactly-once output rests on: a committed and an aborted Kafka transaction, as a
/// read_committed and a read_uncommitted consumer see them. Later issues grow it into the whole
/// pipeline (load generator → scorer → alerts).
/// </summary>
internal static class DemoVerb
{
    private const string Topic = "demo_transactions";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    public static Command Create()
    {
        var command = new Command("demo", "Run FraudStream's demo on an embedded development broker.");
        command.SetAction(_ => Run());
        return command;
    }

    private static int Run()
    {
        var options = new DevelopmentBrokerOptions();
        options.Topics.Clear();
        options.CreateTopic(Topic, 1);
        DevelopmentBroker broker;
        try
        {
            broker = DevelopmentBroker.Start(options);
        }
        catch (DllNotFoundException)
        {
            Console.Error.WriteLine("librdkafka could not be loaded: run `make` to build FraudStream's librdkafka package, then build again.");
            return 1;
        }
        catch (DevelopmentBrokerException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }

        using var _ = broker;
        Console.WriteLine($"Development broker (librdkafka {DevelopmentBroker.LibrdkafkaVersion} mock cluster, not for production) at {broker.BootstrapServers}");
        if (!broker.IsPatchedBuild)
        {
            Console.WriteLine("Warning: this librdkafka lacks FraudStream's broker patch, so read_committed below behaves like read_uncommitted.");
        }

        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            TransactionalId = "fraudstream-demo",
        }).Build())
        {
            producer.InitTransactions(s_timeout);
            Transaction(producer, "committed", ["tx-1001 card-7 €12.40", "tx-1002 card-3 €980.00"], commit: true);
            Transaction(producer, "aborted", ["tx-1003 card-7 €55.10", "tx-1004 card-9 €7.99"], commit: false);
            Transaction(producer, "committed", ["tx-1005 card-3 €23.00"], commit: true);
        }

        Console.WriteLine();
        if (!Show(broker.BootstrapServers, IsolationLevel.ReadCommitted) || !Show(broker.BootstrapServers, IsolationLevel.ReadUncommitted))
        {
            return 1;
        }

        Console.WriteLine();
        Console.WriteLine("read_committed skips the aborted transaction; read_uncommitted shows every record written.");
        Console.WriteLine("The missing offsets hold the commit and abort markers, which no consumer is given.");
        return 0;
    }

    private static void Transaction(IProducer<string, string> producer, string outcome, string[] values, bool commit)
    {
        producer.BeginTransaction();
        foreach (var value in values)
        {
            producer.Produce(Topic, new Message<string, string> { Key = value.Split(' ')[1], Value = value });
        }

        // Deliver before deciding, so the aborted records really are in the log (an abort
        // would otherwise purge them from the producer's queue before they were sent).
        producer.Flush(s_timeout);
        if (commit)
        {
            producer.CommitTransaction(s_timeout);
        }
        else
        {
            producer.AbortTransaction(s_timeout);
        }

        Console.WriteLine($"producer: {outcome,-9} transaction of {values.Length} record(s): {string.Join(" | ", values)}");
    }

    /// <returns>False when the consumer did not reach the end of the topic in time (said on stderr).</returns>
    private static bool Show(string bootstrap, IsolationLevel isolation)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = $"fraudstream-demo-{isolation}",
            IsolationLevel = isolation,
            EnablePartitionEof = true,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(Topic, 0, Offset.Beginning));
        var seen = new List<string>();
        var name = isolation == IsolationLevel.ReadCommitted ? "read_committed" : "read_uncommitted";
        while (true)
        {
            var result = consumer.Consume(s_timeout);
            if (result is null)
            {
                Console.Error.WriteLine($"The {name} consumer did not reach the end of {Topic} within {s_timeout.TotalSeconds} s.");
                return false;
            }

            if (result.IsPartitionEOF)
            {
                break;
            }

            seen.Add($"{result.Offset.Value}:{result.Message.Value}");
        }

        Console.WriteLine($"{name,-16} consumer sees {seen.Count} record(s): {string.Join(" | ", seen)}");
        consumer.Close();
        return true;
    }
}
