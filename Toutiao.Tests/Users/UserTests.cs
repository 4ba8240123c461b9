using System.Net;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Auth;

namespace Toutiao.Tests.Users;

/// <summary>A reader's own account, profile and relations, and other users as the app shows them.</summary>
[Collection(ToutiaoCollection.Name)]
public sealed class UserTests(ToutiaoFixture fixture)
{
    [Fact]
    public async Task A_new_reader_sees_and_edits_their_profile()
    {
        var (reader, mobile) = await SignUpAsync();
        var self = (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user", reader)).Data;
        Assert.Equal(0, self.GetProperty("follow_count").GetInt64());
        Assert.Equal(0, self.GetProperty("fans_count").GetInt64());
        var profile = (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user/profile", reader)).Data;
        Assert.Equal(mobile, profile.GetProperty("mobile").GetString());
        Assert.Equal(self.GetProperty("id").GetInt64(), profile.GetProperty("id").GetInt64());

        var name = "读者" + Random.Shared.Next(1_000_000);
        var changed = await fixture.WebClient.SendAsync(HttpMethod.Patch, "/v1_0/user/profile", reader,
            new { name, gender = 1, birthday = "1995-06-01", intro = "你好" });
        Assert.Equal(HttpStatusCode.OK, changed.Status);
        Assert.Equal((name, 1, "1995-06-01", "你好"), (changed.Data.GetProperty("name").GetString(), changed.Data.GetProperty("gender").GetInt32(),
            changed.Data.GetProperty("birthday").GetString(), changed.Data.GetProperty("intro").GetString()));
        // Only what is given changes.
        await fixture.WebClient.SendAsync(HttpMethod.Patch, "/v1_0/user/profile", reader, new { intro = "再见" });
        var after = (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user/profile", reader)).Data;
        Assert.Equal((name, "再见", "1995-06-01"), (after.GetProperty("name").GetString(), after.GetProperty("intro").GetString(), after.GetProperty("birthday").GetString()));
        Assert.Equal(name, (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user", reader)).Data.GetProperty("name").GetString());

        var taken = await fixture.WebClient.SendAsync(HttpMethod.Patch, "/v1_0/user/profile", reader, new { name = "头条作者0001" });
        Assert.Equal(HttpStatusCode.Conflict, taken.Status);
        foreach (var (body, field) in new (object, string)[]
        {
            (new { gender = 2 }, "gender"), (new { birthday = "2999-01-01" }, "birthday"), (new { birthday = "1.1.2000" }, "birthday"),
            (new { intro = new string('字', 51) }, "intro"), (new { name = "" }, "name"),
        })
        {
            var refused = await fixture.WebClient.SendAsync(HttpMethod.Patch, "/v1_0/user/profile", reader, body);
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
            Assert.Contains(field, refused.Message);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user", null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user/profile", Api.NewAnonymousReader())).Status);
    }

    [Fact]
    public async Task Following_shows_in_both_users_counts_lists_and_pages()
    {
        var (reader, _) = await SignUpAsync();
        var readerId = (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user", reader)).Data.GetProperty("id").GetInt64();
        var (first, second) = (Random.Shared.NextInt64(100, 500), Random.Shared.NextInt64(500, 1000));
        var secondReader = Api.Bearer(fixture.WebService<TokenService>().Create(second, refresh: false));

        await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/user/followings", reader, new { target = first });
        await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/user/followings", reader, new { target = second.ToString() });
        await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/user/followings", secondReader, new { target = readerId });

        var followings = (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user/followings", reader)).Data;
        Assert.Equal(2, followings.GetProperty("total_count").GetInt64());
        var listed = followings.GetProperty("results").EnumerateArray().ToDictionary(u => u.GetProperty("id").GetInt64(), u => u.GetProperty("mutual_follow").GetBoolean());
        Assert.Equal(new Dictionary<long, bool> { [first] = false, [second] = true }, listed);
        var followers = (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user/followers", reader)).Data;
        Assert.Equal(second, Assert.Single(followers.GetProperty("results").EnumerateArray()).GetProperty("id").GetInt64());

        var self = (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user", reader)).Data;
        Assert.Equal((2, 1), (self.GetProperty("follow_count").GetInt64(), self.GetProperty("fans_count").GetInt64()));
        var page = (await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/users/{first}", reader)).Data;
        Assert.True(page.GetProperty("is_following").GetBoolean());
        Assert.Equal(await CountAsync("SELECT COUNT(*) FROM user_relation WHERE target_user_id = @u AND relation = 1", first), page.GetProperty("fans_count").GetInt64());

        await fixture.WebClient.SendAsync(HttpMethod.Delete, $"/v1_0/user/followings/{first}", reader);
        Assert.False((await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/users/{first}", reader)).Data.GetProperty("is_following").GetBoolean());
        Assert.Equal(1, (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user", reader)).Data.GetProperty("follow_count").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/users/99999999")).Status);
    }

    [Fact]
    public async Task Following_and_unfollowing_go_into_the_behaviour_stream_once_each_with_the_author()
    {
        var userId = Random.Shared.NextInt64(2_000_000, 9_000_000);
        var reader = Api.Bearer(fixture.WebService<TokenService>().Create(userId, refresh: false));
        var author = Random.Shared.NextInt64(100, 1000);
        var end = await BehaviorEvents.EndAsync(fixture.Redis);
        var (trace, start) = (TestTrace.New(), Api.Now());

        // Each twice: the second changes nothing, and says nothing.
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/user/followings", reader, new { target = author }, trace)).Status);
        }

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await fixture.WebClient.SendAsync(HttpMethod.Delete, $"/v1_0/user/followings/{author}", reader, trace: trace)).Status);
        }

        // Refused: nothing.
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/user/followings", reader, new { target = 99_999_999 })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/user/followings", reader, new { target = userId })).Status);

        var entries = await BehaviorEvents.OfAsync(fixture.Redis, end, userId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2, entries.Count);
        BehaviorEvents.AssertAction(entries[0], "follow", userId, 0, author, trace, start);
        BehaviorEvents.AssertAction(entries[1], "unfollow", userId, 0, author, trace, start);
    }

    [Fact]
    public async Task Opened_articles_make_the_reading_history_and_authors_list_their_articles()
    {
        var (reader, _) = await SignUpAsync();
        var ids = (await fixture.WebClient.FeedAsync(2, Api.Now(), reader)).ArticleIds();
        foreach (var id in new[] { ids[0], ids[1], ids[0] })
        {
            Assert.Equal(HttpStatusCode.OK, (await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{id}", reader)).Status);
        }

        var history = (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user/histories", reader));
        Assert.Equal(2, history.Data.GetProperty("total_count").GetInt64());
        Assert.Equal([ids[0], ids[1]], history.ArticleIds());
        Assert.Equal([ids[1]], (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user/histories?page=2&per_page=1", reader)).ArticleIds());

        // An author's articles, newest first, for anyone and for the author.
        const long author = 42;
        var authored = await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/users/{author}/articles?per_page=5");
        Assert.Equal(await CountAsync("SELECT COUNT(*) FROM news_article_basic WHERE user_id = @u AND status = 2", author), authored.Data.GetProperty("total_count").GetInt64());
        var results = authored.Data.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(5, results.Count);
        Assert.All(results, a => Assert.Equal(author, a.GetProperty("aut_id").GetInt64()));
        var own = await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user/articles?per_page=5",
            Api.Bearer(fixture.WebService<TokenService>().Create(author, refresh: false)));
        Assert.Equal(authored.ArticleIds(), own.ArticleIds());
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/users/99999999/articles")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user/histories")).Status);
    }

    private async Task<(string Reader, string Mobile)> SignUpAsync()
    {
        var mobile = "136" + Random.Shared.Next(10_000_000, 99_999_999);
        var login = await fixture.WebClient.SignInWithCodeAsync(mobile);
        return (Api.Bearer(login.Data.GetProperty("token").GetString()!), mobile);
    }

    private async Task<long> CountAsync(string sql, long userId)
    {
        await using var command = fixture.MySql.CreateCommand(sql);
        command.Parameters.Add(new MySqlConnector.MySqlParameter("@u", userId));
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
