using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FraudStream.Serving;

/// <summary>Registration of model serving; the host adds a <c>ModelRegistry</c>.</summary>
public static class ModelServingServiceCollectionExtensions
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
        services.TryAddSingleton<ChallengerModel>();
        services.TryAddSingleton<ModelMetrics>();
        services.TryAddSingleton<ProductionModelFollower>();
        services.AddHostedService(provider => provider.GetRequiredService<ProductionModelFollower>());
        // The challenger alias is followed only where a challenger is used (ModelFollowerOptions.FollowChallenger).
        services.TryAddSingleton<ChallengerModelFollower>();
        services.AddHostedService(provider => provider.GetRequiredService<ChallengerModelFollower>());
        return services;
    }
}
