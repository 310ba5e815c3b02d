using System.Net;
using System.Net.Sockets;

namespace BackgroundCallbacks.LoadTest;

internal static class FreePort
{
    /// <summary>A port on 127.0.0.1 that was free a moment ago: the OS picks it, and the listener is closed at once.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
