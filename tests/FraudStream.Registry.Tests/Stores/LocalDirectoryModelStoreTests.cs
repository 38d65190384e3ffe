using FraudStream.Registry.Stores;
using FraudStream.Registry.Tests.Infrastructure;

namespace FraudStream.Registry.Tests.Stores;

/// <summary>What only the local directory store does: files on disk, temp-file-and-rename writes.</summary>
public sealed class LocalDirectoryModelStoreTests
{
    private TempDirectory _root = null!;
    private LocalDirectoryModelStore _store = null!;

    [SetUp]
    public void CreateStore()
    {
        _root = new TempDirectory("local-store");
        _store = new LocalDirectoryModelStore(Path.Combine(_root.Path, "registry"));
    }

    [TearDown]
    public void DeleteStore() => _root.Dispose();

    [Test]
    public async Task Put_WritesTheKeyAsAFileUnderTheRoot_CreatingTheDirectories()
    {
        await _store.PutAsync("models/20260314_093000/model.ubj", new byte[] { 1, 2 });

        var path = Path.Combine(_root.Path, "registry", "models", "20260314_093000", "model.ubj");
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(new byte[] { 1, 2 }));
    }

    [Test]
    public async Task List_IgnoresTemporaryFilesLeftByAnInterruptedWrite()
    {
        await _store.PutAsync("models/production.json", "{}"u8.ToArray());
        var leftover = Path.Combine(_store.Root, "models", ".fraudstream-production.json.0123456789abcdef.tmp");
        await File.WriteAllTextAsync(leftover, "{\"vers");

        var keys = await _store.ListAsync("models/");

        Assert.That(keys, Is.EqualTo(new[] { "models/production.json" }));
    }

    [Test]
    public async Task ListOrGet_OfARootThatDoesNotExistYet_IsEmpty()
    {
        var store = new LocalDirectoryModelStore(Path.Combine(_root.Path, "not-created"));

        Assert.That(await store.ListAsync("models/"), Is.Empty);
        Assert.That(await store.TryGetAsync("models/production.json"), Is.Null);
    }

    [Test]
    public void Put_UnderARootThatIsAFile_SaysToCheckTheDirectory()
    {
        var file = Path.Combine(_root.Path, "a-file");
        File.WriteAllText(file, "x");
        var store = new LocalDirectoryModelStore(file);

        var error = Assert.ThrowsAsync<ModelStoreUnavailableException>(() => store.PutAsync("models/a.bin", new byte[] { 1 }));

        Assert.That(error!.Message, Does.StartWith($"Could not write 'models/a.bin' in the local model directory {file} (").And.Contain("check that the directory exists, is writable"));
        Assert.That(Directory.GetFiles(_root.Path), Is.EqualTo(new[] { file }), "no temporary file is left behind");
    }
}
