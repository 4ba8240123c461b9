using System.Net;
using MySqlConnector;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Auth;
using Toutiao.Web.Database;

namespace Toutiao.Tests.Users;

/// <summary>
/// A reader's mobile number is theirs: only their own profile shows it. New accounts get a generated
/// name, names cannot hold a number, and the initializer renames accounts named after theirs.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public sealed class MobilePrivacyTests(ToutiaoFixture fixture)
{
    [Fact]
    public async Task No_answer_about_a_new_reader_shows_their_mobile_number_except_their_own_profile()
    {
        var mobile = "137" + Random.Shared.Next(10_000_000, 99_999_999);
        var reader = await SignUpAsync(mobile);
        var self = (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user", reader)).Data;
        var id = self.GetProperty("id").GetInt64();
        Assert.Matches("^用户[0-9A-F]{8}$", self.GetProperty("name").GetString());
        Assert.Equal(mobile, (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user/profile", reader)).Data.GetProperty("mobile").GetString());

        // What others can reach of them: they follow an author, comment on an article and reply to it.
        const long author = 77;
        var article = (long)Random.Shared.Next(1_000, 49_000);
        Assert.Equal(HttpStatusCode.Created, (await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/user/followings", reader, new { target = author })).Status);
        var comment = (await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/comments", reader, new { target = article, content = "评论" })).Data.GetProperty("com_id").GetInt64();
        Assert.Equal(HttpStatusCode.Created, (await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/comments", reader,
            new { target = comment, art_id = article, content = "回复" })).Status);

        var other = Api.Bearer(fixture.WebService<TokenService>().Create(Random.Shared.NextInt64(100, 1000), refresh: false));
        var authorToken = Api.Bearer(fixture.WebService<TokenService>().Create(author, refresh: false));
        var seen = new List<(string Path, ApiResponse Answer)>();
        foreach (var (path, viewer) in new (string, string?)[]
        {
            ($"/v1_0/users/{id}", null), ($"/v1_0/users/{id}", other), ($"/v1_0/users/{id}/articles", null),
            ($"/v1_0/comments?type=a&source={article}&limit=50", null), ($"/v1_0/comments?type=c&source={comment}", other),
            ("/v1_0/user/followers?per_page=50", authorToken), ($"/v1_0/articles/{article}", other), ("/v1_0/user", reader),
        })
        {
            seen.Add((path, await fixture.WebClient.SendAsync(HttpMethod.Get, path, viewer)));
        }

        Assert.All(seen, s => Assert.True(s.Answer.Status == HttpStatusCode.OK, $"{s.Path}: {s.Answer.Status} {s.Answer.Body}"));
        Assert.All(seen, s => Assert.DoesNotContain(mobile, s.Answer.Body.GetRawText()));
        // The walk did reach them: their id is in the comments and in the author's followers.
        Assert.Contains(seen, s => s.Path.StartsWith("/v1_0/comments?type=a", StringComparison.Ordinal) && s.Answer.Body.GetRawText().Contains($"\"aut_id\":{id}", StringComparison.Ordinal));
        Assert.Contains(seen, s => s.Path.StartsWith("/v1_0/user/followers", StringComparison.Ordinal) && s.Answer.Body.GetRawText().Contains($"\"id\":{id}", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("13912345678")]
    [InlineData("读者13912345678号")]
    public async Task A_name_that_holds_a_mobile_number_is_refused(string name)
    {
        var reader = await SignUpAsync("137" + Random.Shared.Next(10_000_000, 99_999_999));
        var refused = await fixture.WebClient.SendAsync(HttpMethod.Patch, "/v1_0/user/profile", reader, new { name });
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("name must not hold a mobile number: others see it.", refused.Message);
    }

    [Fact]
    public async Task The_initializer_renames_accounts_named_after_their_mobile_number_and_keeps_the_rest()
    {
        var mobile = "135" + Random.Shared.Next(10_000_000, 99_999_999);
        var legacy = new[] { mobile, $"u{mobile}_0A1B2C3D" };
        var ids = new List<long>();
        for (var i = 0; i < legacy.Length; i++)
        {
            await using var insert = fixture.MySql.CreateCommand(
                "INSERT INTO user_basic (mobile, user_name, introduction) VALUES (@m, @n, '旧账号'); SELECT LAST_INSERT_ID();");
            insert.Parameters.Add(new MySqlParameter("@m", i == 0 ? mobile : "134" + mobile[3..]));
            insert.Parameters.Add(new MySqlParameter("@n", legacy[i]));
            ids.Add(Convert.ToInt64(await insert.ExecuteScalarAsync()));
        }

        await ToutiaoDatabaseInitializer.InitializeAsync(fixture.Storage.MySqlConnectionString);

        foreach (var id in ids)
        {
            await using var select = fixture.MySql.CreateCommand("SELECT user_name, introduction FROM user_basic WHERE user_id = @u");
            select.Parameters.Add(new MySqlParameter("@u", id));
            await using var row = await select.ExecuteReaderAsync();
            Assert.True(await row.ReadAsync());
            Assert.Matches("^用户[0-9A-F]{8}$", row.GetString(0));
            Assert.Equal("旧账号", row.GetString(1));
        }

        // A demo author keeps the name they had.
        Assert.Equal("头条作者0077", (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/users/77")).Data.GetProperty("name").GetString());
    }

    private async Task<string> SignUpAsync(string mobile)
        => Api.Bearer((await fixture.WebClient.SignInWithCodeAsync(mobile)).Data.GetProperty("token").GetString()!);
}
