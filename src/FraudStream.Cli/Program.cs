using System.CommandLine;
using FraudStream.Cli.Hosting;
using FraudStream.Cli.Verbs;

ThreadPoolSpinning.ForVerb(args); // before anything queues work to the thread pool

var root = new RootCommand("FraudStream: scores card transactions for fraud as they stream through Kafka.");
root.Subcommands.Add(ApiVerb.Create());
root.Subcommands.Add(AlertsVerb.Create());
root.Subcommands.Add(BrokerVerb.Create());
root.Subcommands.Add(DemoVerb.Create());
root.Subcommands.Add(GenerateVerb.Create());
root.Subcommands.Add(LabelVerb.Create());
root.Subcommands.Add(LoadgenVerb.Create());
root.Subcommands.Add(ModelsVerb.Create());
root.Subcommands.Add(MonitorVerb.Create());
root.Subcommands.Add(PredictVerb.Create());
root.Subcommands.Add(RetrainVerb.Create());
root.Subcommands.Add(ScoreVerb.Create());
root.Subcommands.Add(TrainVerb.Create());
VersionReport.Attach(root);

return await CommandLineRunner.RunAsync(root, args);
