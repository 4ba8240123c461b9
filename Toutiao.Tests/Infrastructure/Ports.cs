using System.Net;
using System.Net.Sockets;

namespace Toutiao.Tests.Infrastructure;

public static class Ports
{
    /// <summary>A port nobody listens on right now.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// A port that refuses connections until disposed: bound, never listening, so no server another
    /// test starts meanwhile can take it (a <see cref="Free"/> port can be handed out again).
    /// </summary>
    public static RefusingPort Refusing() => new();

    public sealed class RefusingPort : IDisposable
    {
        private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        public RefusingPort() => socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        public int Port => ((IPEndPoint)socket.LocalEndPoint!).Port;

        public void Dispose() => socket.Dispose();
    }
}
