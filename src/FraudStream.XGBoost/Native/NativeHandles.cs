using Microsoft.Win32.SafeHandles;

namespace FraudStream.XGBoost.Native;

/// <summary>A DMatrixHandle. XGBoost shares the matrix with every booster that caches it, so freeing it here is always safe.</summary>
internal sealed class DMatrixHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public DMatrixHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => XGBoostNative.DMatrixFree(handle) == 0;
}

/// <summary>A BoosterHandle. Freed only after every native call that holds a reference to it has returned.</summary>
internal sealed class BoosterHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public BoosterHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => XGBoostNative.BoosterFree(handle) == 0;
}
