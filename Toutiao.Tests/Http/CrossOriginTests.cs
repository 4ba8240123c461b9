using System.Net;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Http;

/// <summary>The app served from another origin: preflights answered for configured origins only (any in Development).</summary>
[Collection(ToutiaoCollection.Name)]
public sealed class CrossOriginTests(ToutiaoFixture fixture)
{
    private const string AppOrigin = "https://m.toutiao.example";

    [Fact]
    public async Task In_development_any_origin_gets_an_answered_preflight_and_the_feed()
    {
        var (preflight, origin) = await PreflightAsync(fixture.WebClient, AppOrigin);
        Assert.Equal(HttpStatusCode.NoContent, preflight);
        Assert.Equal("*", origin);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1_1/articles?channel_id=1&timestamp={Api.Now()}");
        request.Headers.Add("Origin", AppOrigin);
        using var response = await fixture.WebClient.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Outside_development_only_configured_origins_are_allowed()
    {
        var port = Ports.Free();
        await using var production = fixture.StartWeb(port, fixture.RecoAddress, "Production",
            overrides: new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = AppOrigin });
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var (allowed, origin) = await PreflightAsync(client, AppOrigin);
        Assert.Equal(HttpStatusCode.NoContent, allowed);
        Assert.Equal(AppOrigin, origin);
        var (_, refused) = await PreflightAsync(client, "https://elsewhere.example");
        Assert.Null(refused);
    }

    private static async Task<(HttpStatusCode Status, string? AllowedOrigin)> PreflightAsync(HttpClient client, string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/v1_0/article/likings");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        using var response = await client.SendAsync(request);
        return (response.StatusCode, response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) ? values.Single() : null);
    }
}
