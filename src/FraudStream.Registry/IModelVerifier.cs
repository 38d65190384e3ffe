using FraudStream.Core.Models;

namespace FraudStream.Registry;

/// <summary>
/// Checks that a version whose metadata and checksum hold can be scored with (its features can be produced, its model
/// loads): the check a model follower runs before serving a version, run by the registry before it promotes one.
/// </summary>
public interface IModelVerifier
{
    /// <summary>Throws <see cref="UnservableModelException"/> (one sentence, with its reason) when the version cannot be served.</summary>
    void Verify(ModelMetadata metadata, ReadOnlySpan<byte> model);
}
