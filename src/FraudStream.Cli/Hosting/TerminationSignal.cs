using System.Runtime.InteropServices;

namespace FraudStream.Cli.Hosting;

/// <summary>A token cancelled by Ctrl+C (SIGINT) or SIGTERM, so long-running verbs stop cleanly and exit 0.</summary>
internal sealed class TerminationSignal : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly PosixSignalRegistration? _sigterm;

    public TerminationSignal()
    {
        Console.CancelKeyPress += OnCancelKeyPress;
        if (!OperatingSystem.IsWindows())
        {
            _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSigterm);
        }
    }

    /// <summary>Cancelled once the user or the service manager asks the process to stop.</summary>
    public CancellationToken Token => _stopping.Token;

    /// <summary>Completes when a stop is requested.</summary>
    public Task WaitAsync() => Task.Delay(Timeout.Infinite, Token).ContinueWith(
        static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _sigterm?.Dispose();
        _stopping.Dispose();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        RequestStop();
    }

    private void OnSigterm(PosixSignalContext context)
    {
        context.Cancel = true;
        RequestStop();
    }

    private void RequestStop()
    {
        try
        {
            _stopping.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // A signal raced with shutdown: the process is already stopping.
        }
    }
}
