using System.Net;
using MySqlConnector;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Auth;

[Collection(ToutiaoCollection.Name)]
public sealed class AuthTests(ToutiaoFixture fixture)
{
    private HttpClient Web => fixture.WebClient;

    [Fact]
    public async Task A_dev_code_signs_in_and_the_token_personalises_the_feed()
    {
        var mobile = "138" + Random.Shared.Next(10_000_000, 99_999_999);
        var issued = await Web.SendAsync(HttpMethod.Post, $"/dev/sms-codes/{mobile}");
        Assert.Equal(HttpStatusCode.OK, issued.Status);
        var code = issued.Data.GetProperty("code").GetString()!;

        var login = await Web.SendAsync(HttpMethod.Post, "/v1_0/authorizations", body: new { mobile, code });
        Assert.Equal(HttpStatusCode.Created, login.Status);
        var token = login.Data.GetProperty("token").GetString()!;
        var refreshToken = login.Data.GetProperty("refresh_token").GetString()!;

        var t1 = Api.Now();
        var first = await Web.FeedAsync(6, t1, Api.Bearer(token));
        Assert.Equal(HttpStatusCode.OK, first.Status);
        var second = await Web.FeedAsync(6, t1 + 1000, Api.Bearer(token));
        Assert.Equal(t1, second.PreTimestamp());

        // The refresh token is refused on the feed but trades for a new access token.
        Assert.Equal(HttpStatusCode.Forbidden, (await Web.FeedAsync(6, t1, Api.Bearer(refreshToken))).Status);
        var refreshed = await Web.SendAsync(HttpMethod.Put, "/v1_0/authorizations", Api.Bearer(refreshToken));
        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        var again = await Web.FeedAsync(6, t1, Api.Bearer(refreshed.Data.GetProperty("token").GetString()!));
        Assert.Equal(first.ArticleIds(), again.ArticleIds());

        // A second login with the same mobile is the same user.
        var code2 = (await Web.SendAsync(HttpMethod.Post, $"/dev/sms-codes/{mobile}")).Data.GetProperty("code").GetString()!;
        var login2 = await Web.SendAsync(HttpMethod.Post, "/v1_0/authorizations", body: new { mobile, code = code2 });
        var history = await Web.FeedAsync(6, t1, Api.Bearer(login2.Data.GetProperty("token").GetString()!));
        Assert.Equal(first.ArticleIds(), history.ArticleIds());
    }

    [Fact]
    public async Task A_wrong_code_leaves_the_pending_code_valid_and_a_used_code_is_refused()
    {
        var mobile = "137" + Random.Shared.Next(10_000_000, 99_999_999);
        var code = await IssueCodeAsync(mobile);

        var refused = await LoginAsync(mobile, Wrong(code));
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);

        // A typo does not cost the reader a new SMS.
        Assert.Equal(HttpStatusCode.Created, (await LoginAsync(mobile, code)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await LoginAsync(mobile, code)).Status);
    }

    [Fact]
    public async Task Five_wrong_codes_lock_the_number_for_an_hour_and_a_new_code_does_not_reset_the_count()
    {
        var mobile = "136" + Random.Shared.Next(10_000_000, 99_999_999);
        var code = await IssueCodeAsync(mobile);

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await LoginAsync(mobile, Wrong(code))).Status);
        }

        // A new code keeps the wrong tries: asking for codes does not buy guesses.
        code = await IssueCodeAsync(mobile);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await LoginAsync(mobile, Wrong(code))).Status);
        }

        var locked = await LoginAsync(mobile, Wrong(code));
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.Status);
        Assert.Equal("Too many wrong codes (5) for this number: try again in 60 min.", locked.Message);
        Assert.InRange(int.Parse(locked.Header("Retry-After")!, System.Globalization.CultureInfo.InvariantCulture), 3500, 3600);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync(mobile, code)).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync(mobile, await IssueCodeAsync(mobile))).Status);

        // Another number is not held up.
        var other = "136" + Random.Shared.Next(10_000_000, 99_999_999);
        Assert.Equal(HttpStatusCode.Created, (await LoginAsync(other, await IssueCodeAsync(other))).Status);
    }

    [Fact]
    public async Task A_refresh_token_of_a_disabled_user_mints_nothing()
    {
        var mobile = "135" + Random.Shared.Next(10_000_000, 99_999_999);
        var login = await LoginAsync(mobile, await IssueCodeAsync(mobile));
        var refreshToken = login.Data.GetProperty("refresh_token").GetString()!;

        await using (var disable = fixture.MySql.CreateCommand("UPDATE user_basic SET status = 0 WHERE mobile = @mobile"))
        {
            disable.Parameters.Add(new MySqlParameter("@mobile", mobile));
            Assert.Equal(1, await disable.ExecuteNonQueryAsync());
        }

        var refreshed = await Web.SendAsync(HttpMethod.Put, "/v1_0/authorizations", Api.Bearer(refreshToken));
        Assert.Equal(HttpStatusCode.Forbidden, refreshed.Status);
        Assert.Equal("User is disabled.", refreshed.Message);
    }

    [Fact]
    public async Task A_first_sign_in_whose_mobile_is_another_users_name_gets_an_account()
    {
        var mobile = "134" + Random.Shared.Next(10_000_000, 99_999_999);
        await using (var squat = fixture.MySql.CreateCommand("INSERT INTO user_basic (mobile, user_name) VALUES (@other, @mobile)"))
        {
            squat.Parameters.Add(new MySqlParameter("@other", "133" + Random.Shared.Next(10_000_000, 99_999_999)));
            squat.Parameters.Add(new MySqlParameter("@mobile", mobile));
            await squat.ExecuteNonQueryAsync();
        }

        var login = await LoginAsync(mobile, await IssueCodeAsync(mobile));
        Assert.Equal(HttpStatusCode.Created, login.Status);
    }

    private async Task<string> IssueCodeAsync(string mobile)
        => (await Web.SendAsync(HttpMethod.Post, $"/dev/sms-codes/{mobile}")).Data.GetProperty("code").GetString()!;

    private Task<ApiResponse> LoginAsync(string mobile, string code)
        => Web.SendAsync(HttpMethod.Post, "/v1_0/authorizations", body: new { mobile, code });

    private static string Wrong(string code) => code == "000000" ? "111111" : "000000";

    [Theory]
    [InlineData("12345", "123456", "mobile")]
    [InlineData("13800000000", "12ab56", "code")]
    [InlineData(null, "123456", "mobile")]
    public async Task Malformed_logins_are_a_400_naming_the_field(string? mobile, string code, string field)
    {
        var response = await Web.SendAsync(HttpMethod.Post, "/v1_0/authorizations", body: new { mobile, code });
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Contains(field, response.Message);
    }

    [Fact]
    public async Task The_app_asks_for_a_code_by_sms_and_signs_in_with_it()
    {
        var mobile = "137" + Random.Shared.Next(10_000_000, 99_999_999);
        var sent = await Web.SendAsync(HttpMethod.Get, $"/v1_0/sms/codes/{mobile}");
        Assert.Equal(HttpStatusCode.OK, sent.Status);
        Assert.Equal(mobile, sent.Data.GetProperty("mobile").GetString());

        // In Development the code goes to Web's log instead of a phone.
        var logged = Assert.Single(fixture.Logs.Snapshot(), l => l.CategoryName == "Toutiao.Web.Auth.DevelopmentSmsSender"
            && l.FormattedMessage!.Contains(mobile));
        var code = System.Text.RegularExpressions.Regex.Match(logged.FormattedMessage!, @": (\d{6}) ").Groups[1].Value;
        var login = await Web.SendAsync(HttpMethod.Post, "/v1_0/authorizations", body: new { mobile, code });
        Assert.Equal(HttpStatusCode.Created, login.Status);

        var bad = await Web.SendAsync(HttpMethod.Get, "/v1_0/sms/codes/12345");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("mobile", bad.Message);
    }

    [Fact]
    public async Task The_dev_code_endpoint_and_health_endpoints_do_not_exist_in_production()
    {
        var port = Ports.Free();
        await using var production = fixture.StartWeb(port, fixture.RecoAddress, "Production");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(HttpMethod.Post, "/dev/sms-codes/13800000000")).Status);
        // No SMS gateway is plugged in here, and the development sender that logs codes is not used outside Development.
        var code = await client.SendAsync(HttpMethod.Get, "/v1_0/sms/codes/13800000000");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, code.Status);
        Assert.Contains("No SMS gateway", code.Message);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(HttpMethod.Get, "/health")).Status);
        Assert.Equal(HttpStatusCode.OK, (await client.FeedAsync(1, Api.Now())).Status);
    }

    [Theory]
    [InlineData("PUT", "/v1_0/user/channels")]
    [InlineData("PATCH", "/v1_0/user/channels")]
    [InlineData("PATCH", "/v1_0/user/profile")]
    [InlineData("POST", "/v1_0/comments")]
    [InlineData("POST", "/v1_0/comment/likings")]
    [InlineData("POST", "/v1_0/user/followings")]
    [InlineData("POST", "/v1_0/article/likings")]
    [InlineData("POST", "/v1_0/article/collections")]
    public async Task A_write_without_sign_in_is_401_before_its_body_is_read(string method, string path)
    {
        // A body that cannot be parsed: had it been read first, the answer would be a 400.
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = new StringContent("{ not json", System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await Web.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Sign in first", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
