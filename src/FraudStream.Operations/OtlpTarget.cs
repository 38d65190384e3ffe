using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;

namespace FraudStream.Operations;

/// <summary>Where traces go over OTLP, when a setting or the standard environment variable names a collector.</summary>
/// <param name="Endpoint">The URL spans are sent to (for http/protobuf, the full /v1/traces URL).</param>
/// <param name="Protocol">gRPC (the default) or HTTP with protobuf bodies.</param>
public sealed record OtlpTarget(Uri Endpoint, OtlpExportProtocol Protocol)
{
    /// <summary>The setting that names the collector (FRAUDSTREAM_Telemetry__OtlpEndpoint); it wins over the environment.</summary>
    public const string EndpointKey = "Telemetry:OtlpEndpoint";

    /// <summary>The setting that names the protocol: grpc (default) or http/protobuf.</summary>
    public const string ProtocolKey = "Telemetry:OtlpProtocol";

    /// <summary>The OpenTelemetry SDKs' standard variables, read when the settings are not given.</summary>
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <inheritdoc cref="EndpointVariable"/>
    public const string ProtocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";

    private const string TracesPath = "v1/traces";

    /// <summary>
    /// The target that <paramref name="configuration"/> (first) or <paramref name="environment"/> names; null when neither
    /// names an endpoint, which leaves tracing off.
    /// </summary>
    /// <exception cref="ArgumentException">The endpoint is not an http(s) URL, or the protocol is neither grpc nor http/protobuf (one sentence).</exception>
    public static OtlpTarget? Resolve(IConfiguration configuration, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        var endpoint = Given(configuration[EndpointKey]) ?? Given(environment(EndpointVariable));
        if (endpoint is null)
        {
            return null;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException(
                $"{EndpointKey} (or {EndpointVariable}) must be an http or https URL such as http://otel-collector:4317, not '{endpoint}'.");
        }

        var protocol = (Given(configuration[ProtocolKey]) ?? Given(environment(ProtocolVariable)) ?? "grpc") switch
        {
            "grpc" => OtlpExportProtocol.Grpc,
            "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            var other => throw new ArgumentException($"{ProtocolKey} (or {ProtocolVariable}) must be grpc or http/protobuf, not '{other}'."),
        };

        // Over HTTP the standard variable names the collector's base URL; spans go to its /v1/traces.
        if (protocol == OtlpExportProtocol.HttpProtobuf && !uri.AbsolutePath.EndsWith("/" + TracesPath, StringComparison.Ordinal))
        {
            uri = new Uri(uri.AbsoluteUri.TrimEnd('/') + "/" + TracesPath);
        }

        return new OtlpTarget(uri, protocol);
    }

    private static string? Given(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
