using System.Reflection;
using System.Runtime.InteropServices;

namespace FraudStream.XGBoost.Native;

/// <summary>Source-generated bindings to the parts of libxgboost's C API (1.7, include/xgboost/c_api.h) FraudStream uses.</summary>
/// <remarks>
/// Every function returns 0 on success and -1 on failure, with the reason in <see cref="GetLastError"/>, a per-thread
/// buffer. Pointers XGBoost hands back (predictions, strings, buffers) live in per-thread storage that the next call on
/// the same thread may overwrite: copy them out before calling XGBoost again.
/// </remarks>
internal static unsafe partial class XGBoostNative
{
    private const string Library = "xgboost";

    /// <summary>Debian's runtime package (libxgboost0) ships only the versioned name; libxgboost-dev adds libxgboost.so.</summary>
    private const string VersionedLibrary = "libxgboost.so.0";

    static XGBoostNative() => NativeLibrary.SetDllImportResolver(typeof(XGBoostNative).Assembly, Resolve);

    [LibraryImport(Library, EntryPoint = "XGBoostVersion")]
    internal static partial void Version(out int major, out int minor, out int patch);

    /// <summary>Returns this thread's last error text: copy it, never free it.</summary>
    [LibraryImport(Library, EntryPoint = "XGBGetLastError")]
    internal static partial nint GetLastError();

    [LibraryImport(Library, EntryPoint = "XGDMatrixCreateFromMat")]
    internal static partial int DMatrixCreateFromMat(float* data, ulong rows, ulong columns, float missing, out DMatrixHandle matrix);

    [LibraryImport(Library, EntryPoint = "XGDMatrixFree")]
    internal static partial int DMatrixFree(nint matrix);

    [LibraryImport(Library, EntryPoint = "XGDMatrixSetFloatInfo", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int DMatrixSetFloatInfo(DMatrixHandle matrix, string field, float* values, ulong length);

    [LibraryImport(Library, EntryPoint = "XGDMatrixSetStrFeatureInfo", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int DMatrixSetStrFeatureInfo(DMatrixHandle matrix, string field, byte** values, ulong count);

    [LibraryImport(Library, EntryPoint = "XGDMatrixGetStrFeatureInfo", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int DMatrixGetStrFeatureInfo(DMatrixHandle matrix, string field, out ulong count, out byte** values);

    [LibraryImport(Library, EntryPoint = "XGDMatrixNumRow")]
    internal static partial int DMatrixNumRow(DMatrixHandle matrix, out ulong rows);

    [LibraryImport(Library, EntryPoint = "XGDMatrixNumCol")]
    internal static partial int DMatrixNumCol(DMatrixHandle matrix, out ulong columns);

    [LibraryImport(Library, EntryPoint = "XGBoosterCreate")]
    internal static partial int BoosterCreate(nint* matrices, ulong count, out BoosterHandle booster);

    [LibraryImport(Library, EntryPoint = "XGBoosterFree")]
    internal static partial int BoosterFree(nint booster);

    [LibraryImport(Library, EntryPoint = "XGBoosterSetParam", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int BoosterSetParam(BoosterHandle booster, string name, string value);

    [LibraryImport(Library, EntryPoint = "XGBoosterGetNumFeature")]
    internal static partial int BoosterGetNumFeature(BoosterHandle booster, out ulong features);

    [LibraryImport(Library, EntryPoint = "XGBoosterBoostedRounds")]
    internal static partial int BoosterBoostedRounds(BoosterHandle booster, out int rounds);

    [LibraryImport(Library, EntryPoint = "XGBoosterUpdateOneIter")]
    internal static partial int BoosterUpdateOneIter(BoosterHandle booster, int iteration, DMatrixHandle train);

    [LibraryImport(Library, EntryPoint = "XGBoosterEvalOneIter")]
    internal static partial int BoosterEvalOneIter(
        BoosterHandle booster, int iteration, nint* matrices, byte** names, ulong count, out nint result);

    /// <summary><paramref name="config"/> is a NUL-terminated UTF-8 JSON document.</summary>
    [LibraryImport(Library, EntryPoint = "XGBoosterPredictFromDMatrix")]
    internal static partial int BoosterPredictFromDMatrix(
        BoosterHandle booster, DMatrixHandle matrix, byte* config, out ulong* shape, out ulong dimensions, out float* result);

    /// <summary>In-place prediction: <paramref name="arrayInterface"/> describes caller memory XGBoost reads without copying.</summary>
    [LibraryImport(Library, EntryPoint = "XGBoosterPredictFromDense")]
    internal static partial int BoosterPredictFromDense(
        BoosterHandle booster, byte* arrayInterface, byte* config, nint proxy, out ulong* shape, out ulong dimensions, out float* result);

    [LibraryImport(Library, EntryPoint = "XGBoosterLoadModelFromBuffer")]
    internal static partial int BoosterLoadModelFromBuffer(BoosterHandle booster, byte* buffer, ulong length);

    [LibraryImport(Library, EntryPoint = "XGBoosterSaveModelToBuffer")]
    internal static partial int BoosterSaveModelToBuffer(BoosterHandle booster, byte* config, out ulong length, out byte* buffer);

    /// <summary>Configures the learner (validating every parameter set so far) and returns its configuration.</summary>
    [LibraryImport(Library, EntryPoint = "XGBoosterSaveJsonConfig")]
    internal static partial int BoosterSaveJsonConfig(BoosterHandle booster, out ulong length, out byte* config);

    [LibraryImport(Library, EntryPoint = "XGBoosterGetAttr", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int BoosterGetAttr(BoosterHandle booster, string key, out nint value, out int found);

    /// <summary>A null <paramref name="value"/> deletes the attribute.</summary>
    [LibraryImport(Library, EntryPoint = "XGBoosterSetAttr", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int BoosterSetAttr(BoosterHandle booster, string key, string? value);

    [LibraryImport(Library, EntryPoint = "XGBoosterGetAttrNames")]
    internal static partial int BoosterGetAttrNames(BoosterHandle booster, out ulong count, out byte** names);

    [LibraryImport(Library, EntryPoint = "XGBoosterSetStrFeatureInfo", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int BoosterSetStrFeatureInfo(BoosterHandle booster, string field, byte** values, ulong count);

    [LibraryImport(Library, EntryPoint = "XGBoosterGetStrFeatureInfo", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int BoosterGetStrFeatureInfo(BoosterHandle booster, string field, out ulong count, out byte** values);

    [LibraryImport(Library, EntryPoint = "XGBoosterFeatureScore", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int BoosterFeatureScore(
        BoosterHandle booster, string config, out ulong featureCount, out byte** features,
        out ulong dimensions, out ulong* shape, out float* scores);

    /// <summary>This thread's last XGBoost error, without the native backtrace XGBoost appends.</summary>
    internal static string LastError()
    {
        var text = Marshal.PtrToStringUTF8(GetLastError());
        if (string.IsNullOrWhiteSpace(text))
        {
            return "XGBoost gave no details";
        }

        var backtrace = text.IndexOf("Stack trace:", StringComparison.Ordinal);
        return (backtrace >= 0 ? text[..backtrace] : text).Trim();
    }

    /// <summary>Copies an array of NUL-terminated UTF-8 strings XGBoost owns.</summary>
    internal static string[] CopyStrings(byte** values, ulong count)
    {
        var strings = new string[checked((int)count)];
        for (var i = 0; i < strings.Length; i++)
        {
            strings[i] = Marshal.PtrToStringUTF8((nint)values[i]) ?? string.Empty;
        }

        return strings;
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != Library)
        {
            return 0;
        }

        // The default probe (libxgboost.so, app-local copies, LD_LIBRARY_PATH) first, then the runtime package's name.
        if (NativeLibrary.TryLoad(libraryName, assembly, searchPath, out var handle)
            || NativeLibrary.TryLoad(VersionedLibrary, assembly, searchPath, out handle))
        {
            return handle;
        }

        throw new DllNotFoundException(
            $"libxgboost was not found (tried '{libraryName}' and '{VersionedLibrary}'). "
            + "Install Debian's libxgboost0 (`make deps` does) or put libxgboost.so on LD_LIBRARY_PATH.");
    }
}
