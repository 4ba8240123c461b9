using System.Net;
using System.Net.Sockets;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Http;

[Collection(ToutiaoCollection.Name)]
public sealed class RateLimitTests(ToutiaoFixture fixture)
{
    [Fact]
    public async Task Over_the_limit_is_a_429_with_retry_after_and_the_envelope_message()
    {
        var port = Ports.Free();
        await using var web = fixture.StartWeb(port, fixture.RecoAddress, "Development", overrides: new Dictionary<string, string?>
        {
            ["TrustedProxies:Addresses:0"] = "127.0.0.1",
            ["RateLimits:SignInPerClientPerMinute"] = "3",
            ["RateLimits:CodesPerMobile"] = "2",
            ["RateLimits:ReadsPerClientPerMinute"] = "4",
        });
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        // A client address of its own: sign-in counts are shared (state Redis) with every other test's Web.
        client.DefaultRequestHeaders.Add("X-Forwarded-For", $"198.18.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}");

        // Codes per mobile: the third code for one number is refused, another number still gets one.
        var mobile = "139" + Random.Shared.Next(10_000_000, 99_999_999);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Post, $"/dev/sms-codes/{mobile}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Post, $"/dev/sms-codes/{mobile}")).Status);
        await AssertLimitedAsync(client, HttpMethod.Post, $"/dev/sms-codes/{mobile}");

        // Sign-in per client address: three tries a minute from here (codes above count too).
        await AssertLimitedAsync(client, HttpMethod.Post, "/v1_0/authorizations");

        // Reads per client address, whoever reads: four pages and details without a token, then the
        // fifth is refused, a signed-in reader's page behind the same address too.
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.FeedAsync(1, Api.Now(), Api.NewAnonymousReader())).Status);
            // Whatever the article's state (other tests withdraw some), the detail was let through.
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await client.SendAsync(HttpMethod.Get, "/v1_0/articles/1")).Status);
        }

        await AssertLimitedAsync(client, HttpMethod.Get, $"/v1_1/articles?channel_id=1&timestamp={Api.Now()}");
        var token = fixture.WebService<Toutiao.Web.Auth.TokenService>().Create(7, refresh: false);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.FeedAsync(1, Api.Now(), Api.Bearer(token))).Status);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Behind_a_trusted_proxy_the_limit_is_per_forwarded_client_and_nobody_else_can_pick_a_partition(bool proxyTrusted)
    {
        var port = Ports.Free();
        var settings = new Dictionary<string, string?> { ["RateLimits:ReadsPerClientPerMinute"] = "2" };
        if (proxyTrusted)
        {
            settings["TrustedProxies:Addresses:0"] = "127.0.0.1";
        }

        await using var web = fixture.StartWeb(port, fixture.RecoAddress, "Development", overrides: settings);
        // Counts are shared (state Redis): untrusted, the client is the connection's address, so one of its own on the loopback net.
        using var client = FromAddress(proxyTrusted ? IPAddress.Loopback : new IPAddress([127, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(0, 256), (byte)Random.Shared.Next(1, 255)]), port);

        async Task<HttpStatusCode> FeedFromAsync(string forwardedFor)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1_1/articles?channel_id=1&timestamp={Api.Now()}");
            request.Headers.Add("X-Forwarded-For", forwardedFor);
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }

        var (one, another) = (NewAddress(), NewAddress());
        Assert.Equal(HttpStatusCode.OK, await FeedFromAsync(one));
        Assert.Equal(HttpStatusCode.OK, await FeedFromAsync(one));
        Assert.Equal(HttpStatusCode.TooManyRequests, await FeedFromAsync(one));
        // Another client behind the proxy has a limit of its own; without a trusted proxy the header is ignored.
        Assert.Equal(proxyTrusted ? HttpStatusCode.OK : HttpStatusCode.TooManyRequests, await FeedFromAsync(another));
    }

    private static string NewAddress() => $"203.0.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}";

    /// <summary>A client whose connections come from <paramref name="local"/>.</summary>
    private static HttpClient FromAddress(IPAddress local, int port) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}"),
    };

    private static async Task AssertLimitedAsync(HttpClient client, HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(int.Parse(response.Headers.GetValues("Retry-After").Single()) >= 1);
        Assert.StartsWith("{\"message\":\"Too many requests: try again in ", await response.Content.ReadAsStringAsync());
    }
}
