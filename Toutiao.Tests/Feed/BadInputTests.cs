using System.Net;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Auth;

namespace Toutiao.Tests.Feed;

[Collection(ToutiaoCollection.Name)]
public sealed class BadInputTests(ToutiaoFixture fixture)
{
    private HttpClient Web => fixture.WebClient;

    [Theory]
    [InlineData("/v1_1/articles?timestamp=1700000000000", "channel_id")]
    [InlineData("/v1_1/articles?channel_id=abc&timestamp=1700000000000", "channel_id")]
    [InlineData("/v1_1/articles?channel_id=-1&timestamp=1700000000000", "channel_id")]
    [InlineData("/v1_1/articles?channel_id=99999999999999999999999&timestamp=1700000000000", "channel_id")]
    [InlineData("/v1_1/articles?channel_id=4294967296&timestamp=1700000000000", "channel_id")]
    [InlineData("/v1_1/articles?channel_id=999&timestamp=1700000000000", "channel_id")]
    [InlineData("/v1_1/articles?channel_id=26&timestamp=1700000000000", "channel_id")]
    [InlineData("/v1_1/articles?channel_id=1.5&timestamp=1700000000000", "channel_id")]
    [InlineData("/v1_1/articles?channel_id=1", "timestamp")]
    [InlineData("/v1_1/articles?channel_id=1&timestamp=", "timestamp")]
    [InlineData("/v1_1/articles?channel_id=1&timestamp=yesterday", "timestamp")]
    [InlineData("/v1_1/articles?channel_id=1&timestamp=0", "timestamp")]
    [InlineData("/v1_1/articles?channel_id=1&timestamp=-5", "timestamp")]
    [InlineData("/v1_1/articles?channel_id=1&timestamp=999999999999999999999999999", "timestamp")]
    [InlineData("/v1_1/articles?channel_id=1&timestamp=1700000000000&with_top=maybe", "with_top")]
    [InlineData("/v1_0/articles?timestamp=1", "channel_id")]
    [InlineData("/v1_0/articles?channel_id=x", "channel_id")]
    [InlineData("/v1_0/articles?channel_id=1&page=0", "page")]
    [InlineData("/v1_0/articles?channel_id=1&page=-3", "page")]
    [InlineData("/v1_0/articles?channel_id=1&page=99999999999999999999", "page")]
    [InlineData("/v1_0/articles?channel_id=1&per_page=0", "per_page")]
    [InlineData("/v1_0/articles?channel_id=1&per_page=51", "per_page")]
    [InlineData("/v1_0/articles?channel_id=1&per_page=ten", "per_page")]
    [InlineData("/v1_0/articles/abc", "article_id")]
    [InlineData("/v1_0/articles/-1", "article_id")]
    [InlineData("/v1_0/articles/0", "article_id")]
    [InlineData("/v1_0/articles/99999999999999999999999", "article_id")]
    public async Task Bad_parameters_are_a_400_that_names_the_parameter(string path, string parameter)
    {
        var response = await Web.SendAsync(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Contains(parameter, response.Message);
        Assert.False(response.Body.TryGetProperty("data", out _));
    }

    [Theory]
    [InlineData("Garbage")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Anony ")]
    [InlineData("Anony has spaces")]
    [InlineData("Anony ../../etc")]
    public async Task Garbage_authorization_headers_are_a_400(string header)
    {
        var response = await Web.FeedAsync(1, Api.Now(), header);
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Contains("Authorization", response.Message);
    }

    [Theory]
    [InlineData("Bearer ")]
    [InlineData("Bearer not-a-jwt")]
    [InlineData("Bearer eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.c2lnbmF0dXJl")]
    public async Task Invalid_tokens_are_a_401(string header)
    {
        var response = await Web.FeedAsync(1, Api.Now(), header);
        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("Token has some errors.", response.Message);
    }

    [Fact]
    public async Task Expired_and_foreign_tokens_are_a_401()
    {
        var expired = Token(ToutiaoFixture.JwtSecret, DateTime.UtcNow.AddHours(-3), DateTime.UtcNow.AddHours(-1));
        var foreign = Token("some-other-secret-that-is-long-enough-0123456789", DateTime.UtcNow, DateTime.UtcNow.AddHours(1));
        foreach (var token in new[] { expired, foreign })
        {
            var response = await Web.FeedAsync(1, Api.Now(), Api.Bearer(token));
            Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
            Assert.Equal("Token has some errors.", response.Message);
        }

        // The same token, signed properly and in date, is accepted: the 401s above are not for the shape.
        var valid = Token(ToutiaoFixture.JwtSecret, DateTime.UtcNow, DateTime.UtcNow.AddHours(1));
        Assert.Equal(HttpStatusCode.OK, (await Web.FeedAsync(1, Api.Now(), Api.Bearer(valid))).Status);
    }

    [Fact]
    public async Task A_refresh_token_on_the_feed_is_a_403()
    {
        var refresh = fixture.WebService<TokenService>().Create(7, refresh: true);
        var response = await Web.FeedAsync(1, Api.Now(), Api.Bearer(refresh));
        Assert.Equal(HttpStatusCode.Forbidden, response.Status);
    }

    private static string Token(string secret, DateTime notBefore, DateTime expires) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "toutiao",
        IssuedAt = notBefore,
        NotBefore = notBefore,
        Expires = expires,
        Claims = new Dictionary<string, object> { ["user_id"] = 5, ["refresh"] = false },
        SigningCredentials = new SigningCredentials(
            new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
    });
}
