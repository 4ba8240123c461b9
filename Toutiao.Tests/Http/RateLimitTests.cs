using System.Net;
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
            ["RateLimits:AnonymousFeedPerClientPerMinute"] = "4",
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

        // The feed of readers without a token, per client address; a signed-in reader is not limited by it.
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.FeedAsync(1, Api.Now(), Api.NewAnonymousReader())).Status);
        }

        await AssertLimitedAsync(client, HttpMethod.Get, $"/v1_1/articles?channel_id=1&timestamp={Api.Now()}");
        var token = fixture.WebService<Toutiao.Web.Auth.TokenService>().Create(7, refresh: false);
        Assert.Equal(HttpStatusCode.OK, (await client.FeedAsync(1, Api.Now(), Api.Bearer(token))).Status);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Behind_a_trusted_proxy_the_limit_is_per_forwarded_client_and_nobody_else_can_pick_a_partition(bool proxyTrusted)
    {
        var port = Ports.Free();
        var settings = new Dictionary<string, string?> { ["RateLimits:AnonymousFeedPerClientPerMinute"] = "2" };
        if (proxyTrusted)
        {
            settings["TrustedProxies:Addresses:0"] = "127.0.0.1";
        }

        await using var web = fixture.StartWeb(port, fixture.RecoAddress, "Development", overrides: settings);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        async Task<HttpStatusCode> FeedFromAsync(string forwardedFor)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1_1/articles?channel_id=1&timestamp={Api.Now()}");
            request.Headers.Add("X-Forwarded-For", forwardedFor);
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await FeedFromAsync("203.0.113.1"));
        Assert.Equal(HttpStatusCode.OK, await FeedFromAsync("203.0.113.1"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await FeedFromAsync("203.0.113.1"));
        // Another client behind the proxy has a limit of its own; without a trusted proxy the header is ignored.
        Assert.Equal(proxyTrusted ? HttpStatusCode.OK : HttpStatusCode.TooManyRequests, await FeedFromAsync("203.0.113.2"));
    }

    private static async Task AssertLimitedAsync(HttpClient client, HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(int.Parse(response.Headers.GetValues("Retry-After").Single()) >= 1);
        Assert.StartsWith("{\"message\":\"Too many requests: try again in ", await response.Content.ReadAsStringAsync());
    }
}
