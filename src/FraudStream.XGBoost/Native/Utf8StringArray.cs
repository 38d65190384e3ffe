using System.Runtime.InteropServices;

namespace FraudStream.XGBoost.Native;

/// <summary>NUL-terminated UTF-8 copies of strings in native memory, for C API arguments of type <c>const char**</c>.</summary>
internal sealed unsafe class Utf8StringArray : IDisposable
{
    private readonly nint[] _strings;

    public Utf8StringArray(IReadOnlyList<string> values)
    {
        _strings = new nint[values.Count];
        try
        {
            for (var i = 0; i < _strings.Length; i++)
            {
                _strings[i] = Marshal.StringToCoTaskMemUTF8(values[i]);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Pin with <c>fixed (nint* p = Pointers)</c> and pass <c>(byte**)p</c>.</summary>
    public nint[] Pointers => _strings;

    public void Dispose()
    {
        for (var i = 0; i < _strings.Length; i++)
        {
            Marshal.FreeCoTaskMem(_strings[i]);
            _strings[i] = 0;
        }
    }
}
