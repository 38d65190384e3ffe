using System.Text;
using FraudStream.Core.Models;

namespace FraudStream.Registry.Tests.Infrastructure;

/// <summary>Small, made-up model versions: some bytes and metadata whose SHA-256 matches them.</summary>
internal static class TestModels
{
    public const string Report = "# Model report\n\nMade up for a test.\n";

    public static (ModelMetadata Metadata, byte[] Bytes) Create(string version)
    {
        // Different bytes per version, so a swapped file fails its checksum.
        var bytes = Encoding.UTF8.GetBytes($"{{\"learner\":\"not a real booster\",\"version\":\"{version}\"}}");
        return (MadeUpMetadata.Create(version, ModelRegistry.Sha256Hex(bytes)), bytes);
    }
}
