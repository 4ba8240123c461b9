using System.Net;
using System.Net.Sockets;

namespace Toutiao.AppHost.Hosting.Orchestration;

public static class Ports
{
    /// <summary>A port nobody listens on right now, for resources without a fixed port.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Fails with a message naming the port and the setting that moves it when the port is taken.</summary>
    public static void EnsureFree(int port, string what, string setting)
    {
        if (!CanBind(IPAddress.Loopback, port) || (Socket.OSSupportsIPv6 && !CanBind(IPAddress.IPv6Loopback, port)))
        {
            throw new DistributedApplicationException(
                $"Port {port} for {what} is already in use. Stop what uses it, or move {what} with the setting " +
                $"'{setting}' (for example: --{setting}={port + 1000} or {setting.Replace(":", "__")}={port + 1000}).");
        }
    }

    private static bool CanBind(IPAddress address, int port)
    {
        try
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            return false;
        }
        catch (SocketException)
        {
            // The address family is not available here (no IPv6): nothing can conflict on it.
            return true;
        }
    }
}
