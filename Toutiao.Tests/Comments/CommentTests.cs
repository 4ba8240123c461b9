using System.Net;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Auth;

namespace Toutiao.Tests.Comments;

/// <summary>Comments and replies as the app posts and pages them, counted in the feed's <c>comm_count</c>; comment likes.</summary>
[Collection(ToutiaoCollection.Name)]
public sealed class CommentTests(ToutiaoFixture fixture)
{
    private const long Commenter = 17;

    [Fact]
    public async Task Comments_and_replies_are_posted_paged_by_id_counted_and_liked()
    {
        var reader = Api.Bearer(fixture.WebService<TokenService>().Create(Commenter, refresh: false));
        var time = Api.Now();
        var page = await fixture.WebClient.FeedAsync(8, time, reader);
        var article = page.Data.GetProperty("results")[0];
        var id = article.GetProperty("art_id").GetInt64();
        var before = article.GetProperty("comm_count").GetInt64();

        // The app sends ids as strings.
        var first = await PostAsync(reader, new { target = id.ToString(), content = "第一条" });
        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(id, first.Data.GetProperty("target").GetInt64());
        // A comment on the article itself has no art_id (nulls are left out of every answer).
        Assert.False(first.Data.TryGetProperty("art_id", out var none) && none.ValueKind != System.Text.Json.JsonValueKind.Null);
        var created = first.Data.GetProperty("new_obj");
        Assert.Equal("第一条", created.GetProperty("content").GetString());
        Assert.Equal(Commenter, created.GetProperty("aut_id").GetInt64());
        Assert.Equal(await UserNameAsync(Commenter), created.GetProperty("aut_name").GetString());
        var c1 = first.Data.GetProperty("com_id").GetInt64();
        var c2 = (await PostAsync(reader, new { target = id, content = "第二条" })).Data.GetProperty("com_id").GetInt64();
        var c3 = (await PostAsync(reader, new { target = id, content = "第三条" })).Data.GetProperty("com_id").GetInt64();
        var reply = await PostAsync(reader, new { target = c1.ToString(), art_id = id.ToString(), content = "回复" });
        Assert.Equal(HttpStatusCode.Created, reply.Status);
        Assert.Equal(id, reply.Data.GetProperty("art_id").GetInt64());

        // Newest first, two at a time: last_id is the next offset, end_id the oldest of all.
        var top = (await ListAsync($"type=a&source={id}&limit=2", reader)).Data;
        Assert.Equal(3, top.GetProperty("total_count").GetInt64());
        Assert.Equal(c1, top.GetProperty("end_id").GetInt64());
        Assert.Equal([c3, c2], Ids(top));
        Assert.Equal(c2, top.GetProperty("last_id").GetInt64());
        var rest = (await ListAsync($"type=a&source={id}&limit=2&offset={c2}", reader)).Data;
        Assert.Equal([c1], Ids(rest));
        Assert.Equal(1, rest.GetProperty("results")[0].GetProperty("reply_count").GetInt64());
        Assert.Empty(Ids((await ListAsync($"type=a&source={id}&offset={c1}", reader)).Data));
        var replies = (await ListAsync($"type=c&source={c1}", null)).Data;
        Assert.Equal([reply.Data.GetProperty("com_id").GetInt64()], Ids(replies));

        // Four comments (replies count too) in the feed's comm_count and the detail.
        var history = await fixture.WebClient.FeedAsync(8, time, reader);
        Assert.Equal(before + 4, history.Data.GetProperty("results").EnumerateArray().Single(a => a.GetProperty("art_id").GetInt64() == id).GetProperty("comm_count").GetInt64());
        Assert.Equal(before + 4, (await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{id}")).Data.GetProperty("comm_count").GetInt64());

        // A comment liked five times at once is liked once; the reader sees it, nobody else does.
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/comment/likings", reader, new { target = c1 })));
        var liked = (await ListAsync($"type=a&source={id}&offset={c2}", reader)).Data.GetProperty("results")[0];
        Assert.Equal(1, liked.GetProperty("like_count").GetInt64());
        Assert.True(liked.GetProperty("is_liking").GetBoolean());
        Assert.False((await ListAsync($"type=a&source={id}&offset={c2}", null)).Data.GetProperty("results")[0].GetProperty("is_liking").GetBoolean());
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.WebClient.SendAsync(HttpMethod.Delete, $"/v1_0/comment/likings/{c1}", reader)).Status);
        Assert.Equal(0, (await ListAsync($"type=a&source={id}&offset={c2}", reader)).Data.GetProperty("results")[0].GetProperty("like_count").GetInt64());
    }

    [Fact]
    public async Task A_comment_sent_again_with_its_Idempotency_Key_is_kept_and_counted_once_and_answered_as_the_first_time()
    {
        var reader = Api.Bearer(fixture.WebService<TokenService>().Create(Commenter + 1, refresh: false));
        var id = (await fixture.WebClient.FeedAsync(8, Api.Now(), reader)).ArticleIds()[0];
        var before = await CommentCountAsync(id);
        var content = $"重试 {Guid.NewGuid():N}";
        var key = new Dictionary<string, string> { ["Idempotency-Key"] = Guid.NewGuid().ToString() };

        var first = await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/comments", reader, new { target = id, content }, headers: key);
        Assert.Equal(HttpStatusCode.Created, first.Status);
        // Retried, five at once: each gets the first answer.
        var retries = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/comments", reader, new { target = id, content }, headers: key)));
        Assert.All(retries, retry =>
        {
            Assert.Equal(HttpStatusCode.Created, retry.Status);
            Assert.Equal(first.Data.GetRawText(), retry.Data.GetRawText());
        });

        // Five at once with a new key, none answered yet: one comment, and all five are told about it.
        var racedKey = new Dictionary<string, string> { ["Idempotency-Key"] = Guid.NewGuid().ToString() };
        var raced = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/comments", reader, new { target = id, content = content + " 并发" }, headers: racedKey)));
        Assert.All(raced, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Single(raced.Select(r => r.Data.GetProperty("com_id").GetInt64()).Distinct());

        Assert.Equal(1, await CommentsWithAsync(content));
        Assert.Equal(1, await CommentsWithAsync(content + " 并发"));
        Assert.Equal(before + 2, await CommentCountAsync(id));

        // The same key for another comment is refused; a key that is not one is a 400.
        var other = await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/comments", reader, new { target = id, content = "另一条" }, headers: key);
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "This Idempotency-Key was used for a different request."), (other.Status, other.Message));
        var bad = await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/comments", reader, new { target = id, content = "另一条" },
            headers: new Dictionary<string, string> { ["Idempotency-Key"] = new string('k', 65) });
        Assert.Equal((HttpStatusCode.BadRequest, "Idempotency-Key must be 1 to 64 visible ASCII characters."), (bad.Status, bad.Message));
        Assert.Equal(0, await CommentsWithAsync("另一条"));
    }

    private async Task<long> CommentCountAsync(long article)
        => (await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{article}")).Data.GetProperty("comm_count").GetInt64();

    private async Task<long> CommentsWithAsync(string content)
    {
        await using var connection = await fixture.MySql.OpenConnectionAsync();
        await using var command = new MySqlConnector.MySqlCommand("SELECT COUNT(*) FROM news_comment WHERE content = @content", connection);
        command.Parameters.AddWithValue("@content", content);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_comment_and_a_reply_go_into_the_behaviour_stream_as_comments_on_the_article()
    {
        var userId = Random.Shared.NextInt64(2_000_000, 9_000_000);
        var reader = Api.Bearer(fixture.WebService<TokenService>().Create(userId, refresh: false));
        var article = (await fixture.WebClient.FeedAsync(8, Api.Now(), reader)).ArticleIds()[0];
        var end = await BehaviorEvents.EndAsync(fixture.Redis);
        var (trace, start) = (TestTrace.New(), Api.Now());

        var comment = await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/comments", reader, new { target = article, content = "评论" }, trace);
        Assert.Equal(HttpStatusCode.Created, comment.Status);
        var reply = await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/comments", reader,
            new { target = comment.Data.GetProperty("com_id").GetInt64(), art_id = article, content = "回复" }, trace);
        Assert.Equal(HttpStatusCode.Created, reply.Status);
        // Refused: nothing.
        Refused(HttpStatusCode.NotFound, "Article not found", await PostAsync(reader, new { target = 99_999_999, content = "x" }));
        Refused(HttpStatusCode.BadRequest, "content", await PostAsync(reader, new { target = article, content = " " }));

        var entries = await BehaviorEvents.OfAsync(fixture.Redis, end, userId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => BehaviorEvents.AssertAction(e, "comment", userId, article, 0, trace, start));
    }

    [Fact]
    public async Task Bad_comment_requests_are_refused_with_a_message()
    {
        var reader = Api.Bearer(fixture.WebService<TokenService>().Create(Commenter, refresh: false));
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(null, new { target = 1, content = "x" })).Status);
        Refused(HttpStatusCode.NotFound, "Article not found", await PostAsync(reader, new { target = 99_999_999, content = "x" }));
        Refused(HttpStatusCode.NotFound, "Comment not found", await PostAsync(reader, new { target = 99_999_999, art_id = 1, content = "x" }));
        Refused(HttpStatusCode.BadRequest, "content", await PostAsync(reader, new { target = 1, content = "  " }));
        Refused(HttpStatusCode.BadRequest, "content", await PostAsync(reader, new { target = 1, content = new string('长', 501) }));
        Refused(HttpStatusCode.BadRequest, "target", await PostAsync(reader, new { content = "x" }));
        Refused(HttpStatusCode.BadRequest, "type", await ListAsync("type=x&source=1", null));
        Refused(HttpStatusCode.BadRequest, "source", await ListAsync("type=a", null));
        Refused(HttpStatusCode.BadRequest, "limit", await ListAsync("type=a&source=1&limit=0", null));
        Refused(HttpStatusCode.NotFound, "Comment not found", await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/comment/likings", reader, new { target = 99_999_999 }));
    }

    [Fact]
    public async Task Closed_articles_take_no_comments_and_a_withdrawn_articles_comments_and_replies_go_with_it()
    {
        var reader = Api.Bearer(fixture.WebService<TokenService>().Create(Commenter, refresh: false));
        var article = (long)Random.Shared.Next(100, 40_000);
        var comment = (await PostAsync(reader, new { target = article, content = "评论" })).Data.GetProperty("com_id").GetInt64();
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(reader, new { target = comment, art_id = article, content = "回复" })).Status);
        try
        {
            await SetArticleAsync(article, "allow_comment = 0");
            Refused(HttpStatusCode.Forbidden, "Comments are closed on this article.", await PostAsync(reader, new { target = article, content = "x" }));
            Refused(HttpStatusCode.Forbidden, "Comments are closed on this article.", await PostAsync(reader, new { target = comment, art_id = article, content = "x" }));
            Assert.Contains(comment, Ids((await ListAsync($"type=a&source={article}&limit=50", reader)).Data));

            // Banned (status 5): no more replies, and what was said is not shown.
            await SetArticleAsync(article, "allow_comment = 1, status = 5");
            Refused(HttpStatusCode.NotFound, "Article not found.", await PostAsync(reader, new { target = comment, art_id = article, content = "x" }));
            Assert.Empty(Ids((await ListAsync($"type=a&source={article}&limit=50", reader)).Data));
            Assert.Empty(Ids((await ListAsync($"type=c&source={comment}&limit=50", reader)).Data));
        }
        finally
        {
            await SetArticleAsync(article, "allow_comment = 1, status = 2");
        }

        Assert.Contains(comment, Ids((await ListAsync($"type=a&source={article}&limit=50", reader)).Data));
    }

    private async Task SetArticleAsync(long article, string assignments)
    {
        await using var command = fixture.MySql.CreateCommand($"UPDATE news_article_basic SET {assignments} WHERE article_id = @a");
        command.Parameters.Add(new MySqlConnector.MySqlParameter("@a", article));
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private static void Refused(HttpStatusCode status, string message, ApiResponse response)
    {
        Assert.Equal(status, response.Status);
        Assert.Contains(message, response.Message);
    }

    private Task<ApiResponse> PostAsync(string? reader, object body) => fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/comments", reader, body);

    private Task<ApiResponse> ListAsync(string query, string? reader) => fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/comments?" + query, reader);

    private static List<long> Ids(System.Text.Json.JsonElement page)
        => page.GetProperty("results").EnumerateArray().Select(c => c.GetProperty("com_id").GetInt64()).ToList();

    private async Task<string> UserNameAsync(long userId)
    {
        await using var command = fixture.MySql.CreateCommand("SELECT user_name FROM user_basic WHERE user_id = @u");
        command.Parameters.Add(new MySqlConnector.MySqlParameter("@u", userId));
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
