using FraudStream.Avro.Registry;
using FraudStream.Cli.Traffic;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FraudStream.Cli.Hosting;

/// <summary>Where a verb's writer schemas come from: Confluent Schema Registry when SchemaRegistry:Url is set, else the compiled-in catalog.</summary>
internal static class SchemaRegistries
{
    /// <summary>
    /// Registers an <see cref="ISchemaRegistry"/>. Without a URL every process of the embedded demo uses the same local
    /// catalog built from schemas/ (ids by file name: fraud_alert.avsc = 1, fraud_label.avsc = 2, transaction.avsc = 3, transaction_score.avsc = 4), so their ids agree.
    /// </summary>
    /// <exception cref="ArgumentException">SchemaRegistry:Url is not an absolute http(s) URL.</exception>
    public static IServiceCollection AddSchemaRegistry(this IServiceCollection services, IConfiguration configuration)
    {
        var url = configuration[$"{SchemaRegistryOptions.SectionName}:Url"];
        if (string.IsNullOrWhiteSpace(url))
        {
            services.AddSingleton<ISchemaRegistry>(LocalSchemaCatalog.FromEmbeddedSchemas());
            return services;
        }

        if (!WriterSchemas.TryParseUrl(url, "SchemaRegistry:Url", out var uri, out var error))
        {
            throw new ArgumentException(error);
        }

        var options = new SchemaRegistryOptions { Url = uri };
        configuration.GetSection(SchemaRegistryOptions.SectionName).Bind(options);
        services.AddSingleton<ISchemaRegistry>(provider => new SchemaRegistryClient(
            new HttpClient(),
            options,
            provider.GetRequiredService<ILogger<SchemaRegistryClient>>(),
            provider.GetRequiredService<TimeProvider>()));
        return services;
    }
}
