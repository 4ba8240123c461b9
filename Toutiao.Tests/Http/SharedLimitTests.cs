using System.Net;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Auth;

namespace Toutiao.Tests.Http;

/// <summary>
/// Lookups and writes on a reader's behalf are limited per reader and per client across replicas:
/// two Webs behind a trusted proxy share one count in the state Redis.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public class SharedLimitTests(ToutiaoFixture fixture)
{
    [Fact]
    public async Task Lookups_per_client_and_writes_per_reader_hold_across_two_replicas_with_a_429_and_retry_after()
    {
        await using var webs = TwoWebs(("RateLimits:LookupsPerClientPerMinute", "5"), ("RateLimits:WritesPerReaderPerMinute", "3"));
        var (one, other) = (webs.One, webs.Other);
        var client = $"198.18.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}";

        // Five lookups from one client, spread over both replicas; the sixth is refused by either.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(i % 2 == 0 ? one : other, HttpMethod.Get, "/v1_0/users/7", client, null)).Status);
        }

        AssertLimited(await SendAsync(one, HttpMethod.Get, "/v1_0/search?q=技术", client, null));
        AssertLimited(await SendAsync(other, HttpMethod.Get, "/v1_0/users/7", client, null));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(one, HttpMethod.Get, "/v1_0/users/7", NewAddress(), null)).Status);

        // Three writes per reader, whatever the client; another reader is not held up.
        var reader = Api.Bearer(fixture.WebService<TokenService>().Create(Random.Shared.NextInt64(2_000_000, 3_000_000), refresh: false));
        for (var i = 0; i < 3; i++)
        {
            var answer = await SendAsync(i % 2 == 0 ? one : other, HttpMethod.Post, "/v1_0/user/followings", NewAddress(), reader, new { target = 10 + i });
            Assert.Equal(HttpStatusCode.Created, answer.Status);
        }

        AssertLimited(await SendAsync(other, HttpMethod.Delete, "/v1_0/user/followings/10", NewAddress(), reader));
        var another = Api.Bearer(fixture.WebService<TokenService>().Create(Random.Shared.NextInt64(3_000_000, 4_000_000), refresh: false));
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(one, HttpMethod.Post, "/v1_0/article/likings", NewAddress(), another, new { target = 1 })).Status);
    }

    [Fact]
    public async Task Reads_hold_per_signed_in_reader_across_two_replicas_and_are_taken_in_blocks()
    {
        await using var webs = TwoWebs(("RateLimits:ReadsPerReaderPerMinute", "3"), ("RateLimits:ReadsPerClientPerMinute", "400"));
        var (one, other) = (webs.One, webs.Other);

        // A client's first read takes a block of a twentieth of its limit, not one permit: the next 19 need no round trip.
        var client = NewAddress();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(one, HttpMethod.Get, $"/v1_1/articles?channel_id=1&timestamp={Api.Now()}", client, null)).Status);
        var counted = await fixture.Redis.GetDatabase().HashValuesAsync($"rl:{{reads:client:{client}}}");
        Assert.Equal(20, counted.Sum(c => (long)c));

        // Three reads per reader, whatever the client and the replica: the fourth is refused by either.
        var userId = Random.Shared.NextInt64(4_000_000, 5_000_000);
        var reader = Api.Bearer(fixture.WebService<TokenService>().Create(userId, refresh: false));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(one, HttpMethod.Get, $"/v1_1/articles?channel_id=1&timestamp={Api.Now()}", NewAddress(), reader)).Status);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await SendAsync(other, HttpMethod.Get, "/v1_0/articles/1", NewAddress(), reader)).Status);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await SendAsync(one, HttpMethod.Get, "/v1_0/user/channels", NewAddress(), reader)).Status);
        AssertLimited(await SendAsync(other, HttpMethod.Get, $"/v1_1/articles?channel_id=1&timestamp={Api.Now()}", NewAddress(), reader));
        AssertLimited(await SendAsync(one, HttpMethod.Get, "/v1_0/articles/1", NewAddress(), reader));
        var another = Api.Bearer(fixture.WebService<TokenService>().Create(userId + 1_000_000, refresh: false));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(other, HttpMethod.Get, $"/v1_1/articles?channel_id=1&timestamp={Api.Now()}", NewAddress(), another)).Status);
    }

    /// <summary>Two Webs behind a trusted proxy (this machine) with <paramref name="limits"/>, sharing the fixture's Redis.</summary>
    private Replicas TwoWebs(params (string Key, string Value)[] limits)
    {
        var settings = limits.ToDictionary(l => l.Key, l => (string?)l.Value);
        settings["TrustedProxies:Addresses:0"] = "127.0.0.1";
        var (firstPort, secondPort) = (Ports.Free(), Ports.Free());
        return new Replicas(
            fixture.StartWeb(firstPort, fixture.RecoAddress, "Development", overrides: settings),
            fixture.StartWeb(secondPort, fixture.RecoAddress, "Development", overrides: settings),
            new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{firstPort}") },
            new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{secondPort}") });
    }

    private sealed record Replicas(IAsyncDisposable First, IAsyncDisposable Second, HttpClient One, HttpClient Other) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            One.Dispose();
            Other.Dispose();
            await First.DisposeAsync();
            await Second.DisposeAsync();
        }
    }

    private static void AssertLimited(ApiResponse answer)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, answer.Status);
        Assert.InRange(int.Parse(answer.Header("Retry-After")!, System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        Assert.StartsWith("Too many requests: try again in ", answer.Message);
    }

    private static string NewAddress() => $"198.19.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}";

    private static async Task<ApiResponse> SendAsync(HttpClient http, HttpMethod method, string path, string client, string? authorization, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : System.Net.Http.Json.JsonContent.Create(body) };
        request.Headers.Add("X-Forwarded-For", client);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new ApiResponse(response.StatusCode, string.IsNullOrEmpty(text) ? default : System.Text.Json.JsonDocument.Parse(text).RootElement.Clone(), response.Headers);
    }
}

[Collection(ClusterCollection.Name)]
public sealed class SharedLimitOnClusterTests(ClusterToutiaoFixture fixture) : SharedLimitTests(fixture);
