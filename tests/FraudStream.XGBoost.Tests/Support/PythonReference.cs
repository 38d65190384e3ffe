using System.ComponentModel;
using System.Diagnostics;

namespace FraudStream.XGBoost.Tests.Support;

/// <summary>Runs Reference/xgboost_reference.py with Debian's python3 and python3-xgboost 1.7.4 (installed by `make deps`).</summary>
internal static class PythonReference
{
    public const string Interpreter = "/usr/bin/python3";

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private static string Script => Path.Combine(TestContext.CurrentContext.TestDirectory, "Reference", "xgboost_reference.py");

    /// <summary>Runs the script with <paramref name="arguments"/>; fails the test with Python's stderr if it fails or hangs.</summary>
    public static void Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{Interpreter} did not start.");
        }
        catch (Win32Exception missing)
        {
            Assert.Fail($"{Interpreter} could not run ({missing.Message}); `make deps` installs python3 and python3-xgboost.");
            throw;
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(s_timeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                Assert.Fail($"The Python reference ({string.Join(' ', arguments)}) did not finish within {s_timeout.TotalSeconds} s.\n{errors.Result}");
            }

            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                Assert.Fail($"The Python reference ({string.Join(' ', arguments)}) failed with exit code {process.ExitCode}:\n{errors.Result}\n{output.Result}");
            }
        }
    }
}
