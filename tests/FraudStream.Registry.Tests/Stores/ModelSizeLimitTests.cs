using FraudStream.Registry.Stores;
using FraudStream.Registry.Tests.Infrastructure;

namespace FraudStream.Registry.Tests.Stores;

/// <summary>A model file too large to hold is refused by its size, before any of it is read.</summary>
[TestFixture]
public sealed class ModelSizeLimitTests
{
    [Test]
    public async Task A_model_file_of_3_GB_is_refused_as_too_large_not_as_an_unwritable_directory()
    {
        // Arrange: a published version whose model file is replaced by a sparse 3 GB file (no disk space used).
        using var directory = new TempDirectory("size-limit");
        var registry = new ModelRegistry(new LocalDirectoryModelStore(directory.Path));
        var (metadata, bytes) = TestModels.Create("20260314_093000");
        await registry.PublishAsync(metadata, bytes, TestModels.Report);
        var modelFile = Path.Combine(directory.Path, "models", metadata.Version, metadata.ModelFile);
        using (var file = new FileStream(modelFile, FileMode.Truncate))
        {
            file.SetLength(3L * 1024 * 1024 * 1024);
        }

        // Act
        var error = Assert.ThrowsAsync<UnservableModelException>(() => registry.LoadAsync(metadata.Version));

        // Assert
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Reason, Is.EqualTo("too_large"));
            Assert.That(error.InnerException, Is.TypeOf<BlobTooLargeException>());
            Assert.That(((BlobTooLargeException)error.InnerException!).Size, Is.EqualTo(3L * 1024 * 1024 * 1024), "refused by its size, unread");
        }
    }
}
