using System.Net;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Http;

namespace Toutiao.Tests.Http;

/// <summary>Who a per-client limit counts: an IPv4 address, or an IPv6 /64 (one subscriber's whole range).</summary>
[Trait("Category", TestCategories.Unit)]
public class ClientAddressTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    public void IPv6_addresses_of_one_64_are_one_client(string address, string client)
        => Assert.Equal(client, ClientAddress.Of(IPAddress.Parse(address)));

    [Fact]
    public void No_address_is_one_unknown_client()
        => Assert.Equal("unknown", ClientAddress.Of((IPAddress?)null));
}
