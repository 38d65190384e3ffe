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
    /// With one, the whole section is bound and checked now, so a setting that cannot work stops the process at start.
    /// </summary>
    /// <exception cref="ArgumentException">A SchemaRegistry setting cannot work (one sentence saying which and what to do).</exception>
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
        try
        {
            configuration.GetSection(SchemaRegistryOptions.SectionName).Bind(options);
        }
        catch (InvalidOperationException e) when (e.InnerException is ArgumentException or FormatException)
        {
            // "Failed to convert configuration value 'abc' at 'SchemaRegistry:RequestTimeout' to type 'System.TimeSpan'."
            throw new ArgumentException($"{e.Message} Fix that setting.", e);
        }

        if (options.Problem() is { } problem)
        {
            throw new ArgumentException(problem);
        }

        // Confluent's client checks what Problem() cannot (e.g. a keystore it cannot open): build one now, so that fails at start too.
        using (new SchemaRegistryClient(options))
        {
        }

        services.AddSingleton<ISchemaRegistry>(provider => new SchemaRegistryClient(
            options,
            provider.GetRequiredService<ILogger<SchemaRegistryClient>>(),
            provider.GetRequiredService<TimeProvider>()));
        return services;
    }
}
