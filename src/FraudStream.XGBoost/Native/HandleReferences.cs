using System.Runtime.InteropServices;

namespace FraudStream.XGBoost.Native;

/// <summary>
/// Raw pointers of several SafeHandles for a native call that takes an array of handles, each held by a reference
/// until disposed, so none can be freed (e.g. disposed on another thread) while XGBoost uses it.
/// </summary>
internal sealed class HandleReferences : IDisposable
{
    private readonly SafeHandle[] _handles;
    private int _acquired;

    private HandleReferences(SafeHandle[] handles)
    {
        _handles = handles;
        Pointers = new nint[handles.Length];
    }

    /// <summary>The raw handles, in the order given.</summary>
    public nint[] Pointers { get; }

    public static HandleReferences Acquire(SafeHandle[] handles)
    {
        var references = new HandleReferences(handles);
        try
        {
            for (var i = 0; i < handles.Length; i++)
            {
                var added = false;
                handles[i].DangerousAddRef(ref added);
                references._acquired = i + 1;
                references.Pointers[i] = handles[i].DangerousGetHandle();
            }
        }
        catch
        {
            references.Dispose();
            throw;
        }

        return references;
    }

    public void Dispose()
    {
        for (var i = 0; i < _acquired; i++)
        {
            _handles[i].DangerousRelease();
        }

        _acquired = 0;
    }
}
