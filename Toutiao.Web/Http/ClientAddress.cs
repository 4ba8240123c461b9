using System.Net;

namespace Toutiao.Web.Http;

/// <summary>
/// The client a per-client limit counts: its IPv4 address, or its IPv6 /64. One subscriber is given
/// a whole /64 and may pick any address in it, so counting single IPv6 addresses would give one
/// client 2^64 buckets.
/// </summary>
public static class ClientAddress
{
    public static string Of(HttpContext http) => Of(http.Connection.RemoteIpAddress);

    public static string Of(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
