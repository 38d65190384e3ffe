using FraudStream.Registry.Stores;
using FraudStream.Registry.Tests.Infrastructure;

namespace FraudStream.Registry.Tests.Stores;

/// <summary>What every <see cref="IModelStore"/> promises, checked on each implementation.</summary>
[TestFixture(StoreKind.LocalDirectory)]
[TestFixture(StoreKind.S3)]
public sealed class ModelStoreContractTests(StoreKind kind)
{
    private StoreBackend _backend = null!;
    private IModelStore _store = null!;

    [OneTimeSetUp]
    public async Task StartBackend() => _backend = await StoreBackend.StartAsync(kind);

    [OneTimeTearDown]
    public async Task StopBackend() => await _backend.DisposeAsync();

    [SetUp]
    public void CreateStore() => _store = _backend.CreateEmptyStore();

    [Test]
    public async Task PutBytes_ThenGet_ReturnsTheSameBytes()
    {
        var content = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 7)).ToArray();

        await _store.PutAsync("models/20260314_093000/model.ubj", content);

        Assert.That(await _store.GetAsync("models/20260314_093000/model.ubj"), Is.EqualTo(content));
    }

    [Test]
    public async Task PutSlice_StoresOnlyTheSlice()
    {
        var buffer = new byte[] { 9, 9, 1, 2, 3, 9 };

        await _store.PutAsync("a/slice.bin", buffer.AsMemory(2, 3));

        Assert.That(await _store.GetAsync("a/slice.bin"), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public async Task PutStream_StoresTheRestOfTheStream([Values] bool seekable)
    {
        var content = Enumerable.Range(0, 10_000).Select(i => (byte)i).ToArray();
        using var inner = new MemoryStream(content);
        inner.Position = 100;
        using Stream stream = seekable ? inner : new ForwardOnlyStream(inner);

        await _store.PutAsync("models/report.md", stream);

        Assert.That(await _store.GetAsync("models/report.md"), Is.EqualTo(content[100..]));
    }

    [Test]
    public async Task PutAtomic_ReplacesTheWholeBlob()
    {
        await _store.PutAtomicAsync(RegistryLayout.ProductionKey, "{\"version\":\"a much longer first value\"}"u8.ToArray());

        await _store.PutAtomicAsync(RegistryLayout.ProductionKey, "{\"version\":\"b\"}"u8.ToArray());

        Assert.That(await _store.GetAsync(RegistryLayout.ProductionKey), Is.EqualTo("{\"version\":\"b\"}"u8.ToArray()));
        Assert.That(await _store.ListAsync(""), Is.EqualTo(new[] { RegistryLayout.ProductionKey }), "no temporary file is left behind");
    }

    [Test]
    public async Task TryGet_OfAMissingKey_IsNull()
    {
        var content = await _store.TryGetAsync("models/missing.json");

        Assert.That(content, Is.Null);
    }

    [Test]
    public void Get_OfAMissingKey_ThrowsModelNotFoundNamingTheKey()
    {
        var error = Assert.ThrowsAsync<ModelNotFoundException>(() => _store.GetAsync("models/missing.json"));

        Assert.That(error!.Key, Is.EqualTo("models/missing.json"));
        Assert.That(error.Message, Does.StartWith("'models/missing.json' is not in the "));
    }

    [Test]
    public async Task List_ReturnsTheKeysUnderThePrefix_InOrdinalOrder()
    {
        foreach (var key in new[] { "models/b/x", "models/a/y", "models/a/x", "modelsX/z", "other/q", "models/production.json" })
        {
            await _store.PutAsync(key, new byte[] { 1 });
        }

        Assert.That(await _store.ListAsync("models/"), Is.EqualTo(new[] { "models/a/x", "models/a/y", "models/b/x", "models/production.json" }));
        Assert.That(await _store.ListAsync("models/a"), Is.EqualTo(new[] { "models/a/x", "models/a/y" }));
        Assert.That(await _store.ListAsync("models"), Has.Count.EqualTo(5));
        Assert.That(await _store.ListAsync(""), Has.Count.EqualTo(6));
        Assert.That(await _store.ListAsync("nothing/"), Is.Empty);
    }

    [Test]
    public async Task List_PagesThroughMoreKeysThanOneS3Page()
    {
        // S3 (and s3rver) answer at most 1000 keys per ListObjectsV2 page.
        var keys = Enumerable.Range(0, 1005).Select(i => $"many/{i:D4}").ToArray();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (key, ct) => await _store.PutAsync(key, new byte[] { 1 }, ct));

        var listed = await _store.ListAsync("many/");

        Assert.That(listed, Is.EqualTo(keys));
    }

    [TestCase("/models/a")]
    [TestCase("models//a")]
    [TestCase("models/../a")]
    [TestCase("models/./a")]
    [TestCase("models\\a")]
    [TestCase("models/")]
    [TestCase("")]
    public void Keys_ThatAreNotRelativePaths_AreRefused(string key)
    {
        var error = Assert.ThrowsAsync<ArgumentException>(() => _store.PutAsync(key, new byte[] { 1 }));

        Assert.That(error!.Message, Does.Contain("is not a model store key"));
    }

    /// <summary>A stream that can only be read forwards, like a network stream.</summary>
    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
