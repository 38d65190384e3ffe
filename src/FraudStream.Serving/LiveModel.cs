namespace FraudStream.Serving;

/// <summary>
/// The model in force right now, shared by the scorer's batches and the API's requests. A new version is swapped in
/// atomically; users take a <see cref="ModelLease"/> for one batch or request, so every record of a batch is scored by
/// one version and a swapped-out booster lives until its last batch is done.
/// </summary>
public sealed class LiveModel : IDisposable
{
    private readonly TaskCompletionSource _firstModel = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ScoringModel? _current;

    /// <summary>The version in force, or null before the first load.</summary>
    public string? Version => Volatile.Read(ref _current)?.Version;

    /// <summary>Completes when a model is first loaded.</summary>
    public Task Loaded => _firstModel.Task;


    /// <summary>A reference to the model in force for one batch or request, or false when none is loaded yet.</summary>
    public bool TryAcquire(out ModelLease lease)
    {
        while (Volatile.Read(ref _current) is { } model)
        {
            if (model.TryRetain())
            {
                lease = new ModelLease(model);
                return true;
            }

            // Swapped out and freed between the read and the retain: the next read sees its successor.
        }

        lease = default;
        return false;
    }

    /// <summary>Puts <paramref name="next"/> in force and takes ownership of it; the previous model is freed once its last lease ends.</summary>
    public void Swap(ScoringModel next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var previous = Interlocked.Exchange(ref _current, next);
        previous?.Dispose();
        _firstModel.TrySetResult();
    }

    /// <summary>Drops the model in force; it is freed once its last lease ends.</summary>
    public void Clear() => Interlocked.Exchange(ref _current, null)?.Dispose();

    /// <summary>Drops the model in force.</summary>
    public void Dispose() => Clear();
}

/// <summary>One user's reference to a <see cref="ScoringModel"/>; dispose it when the batch or request is done.</summary>
public readonly struct ModelLease : IDisposable
{
    internal ModelLease(ScoringModel model) => Model = model;

    /// <summary>The model this lease keeps alive.</summary>
    public ScoringModel Model { get; }

    /// <summary>Releases the reference.</summary>
    public void Dispose() => Model?.Release();
}
