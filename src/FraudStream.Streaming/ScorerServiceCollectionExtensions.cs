using FraudStream.Streaming.ExactlyOnce;
using FraudStream.Streaming.Scoring;
using FraudStream.Streaming.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FraudStream.Streaming;

/// <summary>Registration of the scorer's services; the host adds a <c>ModelRegistry</c> and an <c>ISchemaRegistry</c>.</summary>
public static class ScorerServiceCollectionExtensions
{
    /// <summary>
    /// The live model and its follower of the registry's production alias ("Model" section, validated at start):
    /// what both the scorer and the API score with.
    /// </summary>
    public static IServiceCollection AddModelServing(this IServiceCollection services)
    {
        services.AddOptions<ModelFollowerOptions>().BindConfiguration(ModelFollowerOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelFollowerOptions>, ModelFollowerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LiveModel>();
        services.TryAddSingleton<ModelMetrics>();
        services.TryAddSingleton<ProductionModelFollower>();
        services.AddHostedService(provider => provider.GetRequiredService<ProductionModelFollower>());
        return services;
    }

    /// <summary>The exactly-once scorer ("Scorer" section, validated at start) on top of <see cref="AddModelServing"/>.</summary>
    public static IServiceCollection AddExactlyOnceScorer(this IServiceCollection services)
    {
        services.AddModelServing();
        services.AddOptions<ScorerOptions>().BindConfiguration(ScorerOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ScorerOptions>, ScorerOptionsValidator>());
        services.TryAddSingleton<ScorerMetrics>();
        services.TryAddSingleton<ScorerHealth>();
        services.AddHostedService<ExactlyOnceProcessor>();
        return services;
    }
}
