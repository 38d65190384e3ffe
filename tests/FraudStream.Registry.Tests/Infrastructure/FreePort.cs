using System.Net;
using System.Net.Sockets;

namespace FraudStream.Registry.Tests.Infrastructure;

/// <summary>Loopback ports for tests that need one nobody listens on.</summary>
internal static class FreePort
{
    /// <summary>A loopback port the kernel just handed out and that is closed again, so connecting to it is refused.</summary>
    public static int Closed()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
