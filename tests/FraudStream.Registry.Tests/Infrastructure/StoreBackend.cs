using FraudStream.Registry.Stores;

namespace FraudStream.Registry.Tests.Infrastructure;

/// <summary>The stores the contract tests run against.</summary>
public enum StoreKind
{
    /// <summary><see cref="LocalDirectoryModelStore"/> in a temp directory.</summary>
    LocalDirectory,

    /// <summary><see cref="S3ModelStore"/> against s3rver.</summary>
    S3,
}

/// <summary>Where a contract fixture's stores live: started once per fixture, one fresh empty store per test.</summary>
internal abstract class StoreBackend : IAsyncDisposable
{
    public static async Task<StoreBackend> StartAsync(StoreKind kind) => kind switch
    {
        StoreKind.LocalDirectory => new LocalDirectoryBackend(),
        StoreKind.S3 => new S3Backend(await S3rverProcess.StartAsync(S3Backend.Bucket)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>A store that shares nothing with any other store this backend made.</summary>
    public abstract IModelStore CreateEmptyStore();

    public abstract ValueTask DisposeAsync();

    private sealed class LocalDirectoryBackend : StoreBackend
    {
        private readonly TempDirectory _root = new("local-store");

        public override IModelStore CreateEmptyStore() => new LocalDirectoryModelStore(Path.Combine(_root.Path, Guid.NewGuid().ToString("N")));

        public override ValueTask DisposeAsync()
        {
            _root.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class S3Backend(S3rverProcess server) : StoreBackend
    {
        public const string Bucket = "fraudstream-models";

        private readonly List<S3ModelStore> _stores = [];

        public override IModelStore CreateEmptyStore()
        {
            // One bucket, a fresh prefix per test: isolation, and the Prefix option exercised on every call.
            var store = new S3ModelStore(Options(server, Bucket, prefix: $"test-{Guid.NewGuid():N}"));
            _stores.Add(store);
            return store;
        }

        public override async ValueTask DisposeAsync()
        {
            foreach (var store in _stores)
            {
                store.Dispose();
            }

            await server.DisposeAsync();
        }
    }

    /// <summary>Options for s3rver with short timeouts and retry delays, so failure tests stay fast.</summary>
    public static S3ModelStoreOptions Options(S3rverProcess server, string bucket, string prefix = "") => new()
    {
        Bucket = bucket,
        Prefix = prefix,
        ServiceUrl = server.ServiceUrl,
        ForcePathStyle = true,
        AccessKey = S3rverProcess.AccessKey,
        SecretKey = S3rverProcess.SecretKey,
        RequestTimeout = TimeSpan.FromSeconds(5),
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        MaxRetryDelay = TimeSpan.FromMilliseconds(50),
    };
}
