using System.Net;
using StackExchange.Redis;
using Toutiao.Contracts.Behaviors;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Auth;

namespace Toutiao.Tests.Reactions;

/// <summary>Likes and collections: signed-in only, idempotent, counted in MySQL and shown by the next page and the detail.</summary>
[Collection(ToutiaoCollection.Name)]
public sealed class ReactionTests(ToutiaoFixture fixture)
{
    [Theory]
    [InlineData("likings", "like_count")]
    [InlineData("collections", "collect_count")]
    public async Task A_reaction_counts_once_however_often_it_is_sent_and_the_next_page_shows_it(string path, string counter)
    {
        var reader = Api.Bearer(fixture.WebService<TokenService>().Create(Random.Shared.NextInt64(100_000, 1_000_000), refresh: false));
        var time = Api.Now();
        var page = await fixture.WebClient.FeedAsync(4, time, reader);
        var article = page.Data.GetProperty("results")[0];
        var id = article.GetProperty("art_id").GetInt64();
        var before = article.GetProperty(counter).GetInt64();
        Assert.Equal(before, await StoredAsync(id, counter));

        // Sent ten times at once (a double tap, a retry): one more.
        var added = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            fixture.WebClient.SendAsync(HttpMethod.Post, $"/v1_0/article/{path}", reader, new { target = id })));
        Assert.All(added, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.All(added, r => Assert.Equal(id, r.Data.GetProperty("target").GetInt64()));
        Assert.Equal(before + 1, await StoredAsync(id, counter));
        Assert.Equal(before + 1, await ShownAsync(id, counter, time, reader));

        // Counters loaded again from MySQL give the same number.
        await fixture.Cache.GetDatabase().KeyDeleteAsync(Toutiao.Contracts.Articles.ArticleCounters.KeyOf(id));
        Assert.Equal(before + 1, await ShownAsync(id, counter, time, reader));

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await fixture.WebClient.SendAsync(HttpMethod.Delete, $"/v1_0/article/{path}/{id}", reader)).Status);
        }

        Assert.Equal(before, await StoredAsync(id, counter));
        Assert.Equal(before, await ShownAsync(id, counter, time, reader));
    }

    [Theory]
    [InlineData("likings", "like")]
    [InlineData("collections", "collect")]
    public async Task A_new_like_or_collect_goes_into_the_behaviour_stream_once(string path, string action)
    {
        var userId = Random.Shared.NextInt64(2_000_000, 9_000_000);
        var reader = Api.Bearer(fixture.WebService<TokenService>().Create(userId, refresh: false));
        var article = (await fixture.WebClient.FeedAsync(4, Api.Now(), reader)).ArticleIds()[0];
        var end = await BehaviorEvents.EndAsync(fixture.Redis);
        var (trace, start) = (TestTrace.New(), Api.Now());

        // Sent three times at once, then again: the reader did it once.
        var added = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            fixture.WebClient.SendAsync(HttpMethod.Post, $"/v1_0/article/{path}", reader, new { target = article }, trace)));
        Assert.All(added, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Equal(HttpStatusCode.Created, (await fixture.WebClient.SendAsync(HttpMethod.Post, $"/v1_0/article/{path}", reader, new { target = article })).Status);
        BehaviorEvents.AssertAction(Assert.Single(await BehaviorEvents.OfAsync(fixture.Redis, end, userId.ToString(System.Globalization.CultureInfo.InvariantCulture))), action, userId, article, 0, trace, start);

        // Taking it back is not a signal; doing it again is.
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.WebClient.SendAsync(HttpMethod.Delete, $"/v1_0/article/{path}/{article}", reader)).Status);
        Assert.Single(await BehaviorEvents.OfAsync(fixture.Redis, end, userId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(HttpStatusCode.Created, (await fixture.WebClient.SendAsync(HttpMethod.Post, $"/v1_0/article/{path}", reader, new { target = article })).Status);
        Assert.Equal([action, action], (await BehaviorEvents.OfAsync(fixture.Redis, end, userId.ToString(System.Globalization.CultureInfo.InvariantCulture))).Select(e => (string?)e[BehaviorStream.Fields.Action]));

        // Refused: nothing.
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.WebClient.SendAsync(HttpMethod.Post, $"/v1_0/article/{path}", reader, new { target = 99_999_999 })).Status);
        Assert.Equal(2, (await BehaviorEvents.OfAsync(fixture.Redis, end, userId.ToString(System.Globalization.CultureInfo.InvariantCulture))).Count);
    }

    [Fact]
    public async Task The_detail_shows_the_readers_like_collection_and_following_and_the_collections_list_pages()
    {
        var userId = Random.Shared.NextInt64(2_000_000, 9_000_000);
        var reader = Api.Bearer(fixture.WebService<TokenService>().Create(userId, refresh: false));
        var ids = (await fixture.WebClient.FeedAsync(5, Api.Now(), reader)).ArticleIds();
        var (article, other) = (ids[0], ids[1]);
        var author = (await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{article}")).Data.GetProperty("aut_id").GetInt64();
        Assert.Equal((-1, false, false), await StateAsync(article, reader));

        await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/article/likings", reader, new { target = article });
        await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/article/collections", reader, new { target = other });
        await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/article/collections", reader, new { target = article });
        var follow = await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/user/followings", reader, new { target = author });
        Assert.Equal(HttpStatusCode.Created, follow.Status);
        Assert.Equal(author, follow.Data.GetProperty("target").GetInt64());
        Assert.Equal((1, true, true), await StateAsync(article, reader));
        // Someone else, or nobody, sees none of it.
        Assert.Equal((-1, false, false), await StateAsync(article, null));

        // The latest collected first, paged.
        var collected = await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/article/collections?page=1&per_page=1", reader);
        Assert.Equal(2, collected.Data.GetProperty("total_count").GetInt64());
        Assert.Equal([article], collected.ArticleIds());
        Assert.Equal([other], (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/article/collections?page=2&per_page=1", reader)).ArticleIds());

        Assert.Equal(HttpStatusCode.NoContent, (await fixture.WebClient.SendAsync(HttpMethod.Delete, $"/v1_0/user/followings/{author}", reader)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.WebClient.SendAsync(HttpMethod.Delete, $"/v1_0/article/likings/{article}", reader)).Status);
        Assert.Equal((-1, true, false), await StateAsync(article, reader));

        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/article/collections", null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/user/followings", null, new { target = author })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/user/followings", reader, new { target = 99_999_999 })).Status);
        var self = Api.Bearer(fixture.WebService<TokenService>().Create(author, refresh: false));
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/user/followings", self, new { target = author })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/article/collections?per_page=0", reader)).Status);
    }

    private async Task<(int Attitude, bool IsCollected, bool IsFollowed)> StateAsync(long articleId, string? reader)
    {
        var detail = (await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{articleId}", reader)).Data;
        return (detail.GetProperty("attitude").GetInt32(), detail.GetProperty("is_collected").GetBoolean(), detail.GetProperty("is_followed").GetBoolean());
    }

    [Fact]
    public async Task A_dislike_replaces_a_like_and_keeps_the_article_away_from_the_reader()
    {
        var userId = Random.Shared.NextInt64(2_000_000, 9_000_000);
        var reader = Api.Bearer(fixture.WebService<TokenService>().Create(userId, refresh: false));
        var time = Api.Now();
        var article = (await fixture.WebClient.FeedAsync(4, time, reader)).ArticleIds()[0];
        var likes = await ShownAsync(article, "like_count", time, reader);

        await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/article/likings", reader, new { target = article });
        Assert.Equal(likes + 1, await ShownAsync(article, "like_count", time, reader));

        var disliked = await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/article/dislikes", reader, new { target = article });
        Assert.Equal(HttpStatusCode.Created, disliked.Status);
        Assert.Equal(0, await AttitudeAsync(article, reader));
        Assert.Equal(likes, await ShownAsync(article, "like_count", time, reader));
        Assert.Equal(likes, await StoredAsync(article, "like_count"));

        // Reco marks it served for this reader in channel 0, which every channel's fresh page skips.
        // (Once the dislike is applied: the like before it may be what Reco applies first.)
        await fixture.BehaviorsAppliedAsync();
        Assert.NotNull(await fixture.Redis.GetDatabase().SortedSetScoreAsync($"reco:{{u:{userId}}}:ch:0:served", article));

        // Taking back a like the reader no longer has changes nothing; taking back the dislike clears it.
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.WebClient.SendAsync(HttpMethod.Delete, $"/v1_0/article/likings/{article}", reader)).Status);
        Assert.Equal(0, await AttitudeAsync(article, reader));
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.WebClient.SendAsync(HttpMethod.Delete, $"/v1_0/article/dislikes/{article}", reader)).Status);
        Assert.Equal(-1, await AttitudeAsync(article, reader));
        Assert.Equal(likes, await StoredAsync(article, "like_count"));
    }

    private async Task<int> AttitudeAsync(long articleId, string reader)
        => (await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{articleId}", reader)).Data.GetProperty("attitude").GetInt32();

    [Fact]
    public async Task Reactions_need_a_signed_in_reader_a_known_article_and_a_target()
    {
        var reader = Api.Bearer(fixture.WebService<TokenService>().Create(77, refresh: false));
        foreach (var path in new[] { "likings", "collections" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.WebClient.SendAsync(HttpMethod.Post, $"/v1_0/article/{path}", null, new { target = 1 })).Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.WebClient.SendAsync(HttpMethod.Post, $"/v1_0/article/{path}", Api.NewAnonymousReader(), new { target = 1 })).Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.WebClient.SendAsync(HttpMethod.Delete, $"/v1_0/article/{path}/1", null)).Status);

            var unknown = await fixture.WebClient.SendAsync(HttpMethod.Post, $"/v1_0/article/{path}", reader, new { target = 99_999_999 });
            Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
            Assert.Equal("Article not found.", unknown.Message);
            var missing = await fixture.WebClient.SendAsync(HttpMethod.Post, $"/v1_0/article/{path}", reader, new { article = 1 });
            Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
            Assert.Contains("target", missing.Message);
            Assert.Equal(HttpStatusCode.BadRequest, (await fixture.WebClient.SendAsync(HttpMethod.Delete, $"/v1_0/article/{path}/abc", reader)).Status);
        }
    }

    /// <summary>The counter on the reader's page at <paramref name="time"/> (history, so the same articles) and in the detail, which must agree.</summary>
    private async Task<long> ShownAsync(long articleId, string counter, long time, string reader)
    {
        var page = await fixture.WebClient.FeedAsync(4, time, reader);
        var onPage = page.Data.GetProperty("results").EnumerateArray().Single(a => a.GetProperty("art_id").GetInt64() == articleId).GetProperty(counter).GetInt64();
        var detail = await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{articleId}");
        Assert.Equal(onPage, detail.Data.GetProperty(counter).GetInt64());
        return onPage;
    }

    private async Task<long> StoredAsync(long articleId, string counter)
    {
        await using var command = fixture.MySql.CreateCommand($"SELECT COALESCE((SELECT {counter} FROM news_article_statistic WHERE article_id = @id), 0)");
        command.Parameters.Add(new MySqlConnector.MySqlParameter("@id", articleId));
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
