using System.Net;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.App;

/// <summary>
/// A reader's session through the API in the order the course's app calls it (paths without its
/// <c>/app</c> prefix, ids as strings where it sends strings, no Authorization before sign-in).
/// </summary>
[Collection(ToutiaoCollection.Name)]
public sealed class ReaderSessionTests(ToutiaoFixture fixture)
{
    [Fact]
    public async Task A_reader_opens_the_app_scrolls_reads_signs_in_likes_collects_follows_comments_searches_and_edits_the_profile()
    {
        var web = fixture.WebClient;

        // Home: the reader's channels, then the first channel's feed, then scrolling down.
        var channels = (await Ok(web.SendAsync(HttpMethod.Get, "/v1_0/user/channels"))).Data.GetProperty("channels");
        Assert.Equal("推荐", channels[0].GetProperty("name").GetString());
        var channel = channels[1].GetProperty("id").GetInt32();
        var first = await Ok(web.SendAsync(HttpMethod.Get, $"/v1_1/articles?channel_id={channel}&timestamp={Api.Now()}&with_top=1"));
        var second = await Ok(web.SendAsync(HttpMethod.Get, $"/v1_1/articles?channel_id={channel}&timestamp={first.PreTimestamp()}&with_top=1"));
        Assert.Empty(first.ArticleIds().Intersect(second.ArticleIds()));
        var article = second.ArticleIds()[0].ToString();

        // The article, its comments, its author.
        var detail = (await Ok(web.SendAsync(HttpMethod.Get, $"/v1_0/articles/{article}"))).Data;
        var author = detail.GetProperty("aut_id").GetInt64().ToString();
        await Ok(web.SendAsync(HttpMethod.Get, $"/v1_0/comments?type=a&source={article}&limit=10"));
        await Ok(web.SendAsync(HttpMethod.Get, $"/v1_0/users/{author}"));

        // Sign in with an SMS code (Development logs it).
        var mobile = "135" + Random.Shared.Next(10_000_000, 99_999_999);
        await Ok(web.SendAsync(HttpMethod.Get, $"/v1_0/sms/codes/{mobile}"));
        var code = System.Text.RegularExpressions.Regex.Match(
            fixture.Logs.Snapshot().Last(l => l.FormattedMessage?.Contains(mobile) == true).FormattedMessage!, @": (\d{6}) ").Groups[1].Value;
        var tokens = await web.SendAsync(HttpMethod.Post, "/v1_0/authorizations", body: new { mobile, code });
        Assert.Equal(HttpStatusCode.Created, tokens.Status);
        var reader = Api.Bearer(tokens.Data.GetProperty("token").GetString()!);

        // Signed in: like, collect, follow, comment and reply, as the app sends them.
        Assert.Equal(HttpStatusCode.Created, (await web.SendAsync(HttpMethod.Post, "/v1_0/article/likings", reader, new { target = article })).Status);
        Assert.Equal(HttpStatusCode.Created, (await web.SendAsync(HttpMethod.Post, "/v1_0/article/collections", reader, new { target = article })).Status);
        Assert.Equal(HttpStatusCode.Created, (await web.SendAsync(HttpMethod.Post, "/v1_0/user/followings", reader, new { target = author })).Status);
        var comment = await web.SendAsync(HttpMethod.Post, "/v1_0/comments", reader, new { target = article, content = "写得好" });
        Assert.Equal(HttpStatusCode.Created, comment.Status);
        var commentId = comment.Data.GetProperty("com_id").GetInt64().ToString();
        Assert.Equal(HttpStatusCode.Created, (await web.SendAsync(HttpMethod.Post, "/v1_0/comments", reader, new { target = commentId, content = "同意", art_id = article })).Status);
        Assert.Equal(HttpStatusCode.Created, (await web.SendAsync(HttpMethod.Post, "/v1_0/comment/likings", reader, new { target = commentId })).Status);
        var seen = (await Ok(web.SendAsync(HttpMethod.Get, $"/v1_0/articles/{article}", reader))).Data;
        Assert.Equal((1, true, true), (seen.GetProperty("attitude").GetInt32(), seen.GetProperty("is_collected").GetBoolean(), seen.GetProperty("is_followed").GetBoolean()));
        var replies = (await Ok(web.SendAsync(HttpMethod.Get, $"/v1_0/comments?type=c&source={commentId}", reader))).Data;
        Assert.Equal(1, replies.GetProperty("total_count").GetInt64());

        // Their own channels, collections, history, followings.
        await Ok(web.SendAsync(HttpMethod.Patch, "/v1_0/user/channels", reader, new { channels = new[] { new { id = channel, seq = 1 } } }));
        Assert.Equal(channel, (await Ok(web.SendAsync(HttpMethod.Get, "/v1_0/user/channels", reader))).Data.GetProperty("channels")[1].GetProperty("id").GetInt32());
        Assert.Contains(long.Parse(article), (await Ok(web.SendAsync(HttpMethod.Get, "/v1_0/article/collections", reader))).ArticleIds());
        Assert.Contains(long.Parse(article), (await Ok(web.SendAsync(HttpMethod.Get, "/v1_0/user/histories", reader))).ArticleIds());
        Assert.Equal(1, (await Ok(web.SendAsync(HttpMethod.Get, "/v1_0/user/followings", reader))).Data.GetProperty("total_count").GetInt64());

        // Search, once the index is there.
        await fixture.SearchBuiltAsync();

        await Ok(web.SendAsync(HttpMethod.Get, "/v1_0/suggestion?q=python"));
        Assert.NotEmpty((await Ok(web.SendAsync(HttpMethod.Get, "/v1_0/search?q=python&page=1&per_page=10"))).ArticleIds());

        // The profile: seen and edited; the token refreshed.
        await Ok(web.SendAsync(HttpMethod.Get, "/v1_0/user", reader));
        Assert.Equal(mobile, (await Ok(web.SendAsync(HttpMethod.Get, "/v1_0/user/profile", reader))).Data.GetProperty("mobile").GetString());
        await Ok(web.SendAsync(HttpMethod.Patch, "/v1_0/user/profile", reader, new { intro = "读者" }));
        var refreshed = await web.SendAsync(HttpMethod.Put, "/v1_0/authorizations", Api.Bearer(tokens.Data.GetProperty("refresh_token").GetString()!));
        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
    }

    [Fact]
    public async Task The_apps_app_prefix_is_served_too()
    {
        var prefixed = await Ok(fixture.WebClient.SendAsync(HttpMethod.Get, "/app/v1_0/channels"));
        var plain = await Ok(fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/channels"));
        Assert.Equal(plain.Data.GetRawText(), prefixed.Data.GetRawText());
        Assert.Equal(10, (await Ok(fixture.WebClient.SendAsync(HttpMethod.Get, $"/app/v1_1/articles?channel_id=1&timestamp={Api.Now()}"))).ArticleIds().Count);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.WebClient.SendAsync(HttpMethod.Get, "/application/v1_0/channels")).Status);
    }

    private static async Task<ApiResponse> Ok(Task<ApiResponse> call)
    {
        var response = await call;
        Assert.True(response.Status == HttpStatusCode.OK, $"{response.Status}: {(response.Body.ValueKind == System.Text.Json.JsonValueKind.Object ? response.Message : "")}");
        return response;
    }
}
