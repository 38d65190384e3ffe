using System.Globalization;
using FraudStream.Serving;
using FraudStream.Streaming.ExactlyOnce;
using FraudStream.Streaming.History;
using FraudStream.Streaming.Monitoring;
using FraudStream.Streaming.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FraudStream.Streaming;

/// <summary>Registration of the scorer's services; the host adds a <c>ModelRegistry</c> and an <c>ISchemaRegistry</c>.</summary>
public static class ScorerServiceCollectionExtensions
{
    /// <summary>
    /// The exactly-once scorer ("Scorer" section, validated at start) on top of <see cref="ModelServingServiceCollectionExtensions.AddModelServing"/>. Its parts
    /// are registered only when absent, so a host (a benchmark, a test) may bring its own <see cref="IBatchHandler"/>,
    /// <see cref="IKafkaClientFactory"/> or <see cref="IStartupCheck"/>.
    /// </summary>
    public static IServiceCollection AddExactlyOnceScorer(this IServiceCollection services)
    {
        services.AddModelServing();
        services.AddOptions<ScorerOptions>().BindConfiguration(ScorerOptions.Section).ValidateOnStart();
        // The scorer keeps history: the models it follows must have been trained with the same settings.
        services.AddOptions<ModelFollowerOptions>().PostConfigure<IOptions<ScorerOptions>>(
            (model, scorer) =>
            {
                model.History = scorer.Value.KeepHistory ? scorer.Value.History() : null;
                // A challenger (registry alias) is scored in shadow beside production when its scores have a topic.
                model.FollowChallenger = scorer.Value.ShadowTopic is { Length: > 0 };
            });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ScorerOptions>, ScorerOptionsValidator>());
        services.TryAddSingleton<ScorerMetrics>();
        services.TryAddSingleton<ScorerHealth>();
        services.TryAddSingleton<IKafkaClientFactory, KafkaClientFactory>();
        services.TryAddSingleton<ScorerHistory>();
        services.TryAddSingleton<DriftMonitor>();
        services.TryAddSingleton<IBatchHandler, ScoringBatchHandler>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupCheck, TopicsExistCheck>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupCheck, ChangelogPartitionsCheck>());
        // The host waits for the scorer's shutdown budget, plus a margin to close the consumer and the other services.
        // Read from configuration, not IOptions<ScorerOptions>: the host reads its options before the scorer's settings
        // are validated, and a bad setting must stop the start with the validator's sentence, not an exception here.
        services.AddOptions<HostOptions>().Configure<IConfiguration>((host, configuration) =>
        {
            var budget = TimeSpan.TryParse(configuration[$"{ScorerOptions.Section}:{nameof(ScorerOptions.ShutdownTimeout)}"], CultureInfo.InvariantCulture, out var set)
                ? set
                : new ScorerOptions().ShutdownTimeout;
            var needed = budget + ScorerOptions.HostShutdownMargin;
            host.ShutdownTimeout = host.ShutdownTimeout > needed ? host.ShutdownTimeout : needed;
        });
        services.AddHostedService<ExactlyOnceProcessor>();
        return services;
    }
}
