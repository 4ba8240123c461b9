using System.Diagnostics;
using System.Globalization;
using Toutiao.Contracts.Feed;
using Toutiao.Contracts.Recall;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Newsroom;

namespace Toutiao.Tests.Newsroom;

/// <summary>
/// The demo newsroom on real servers: an article it publishes has its channel's words and its
/// keywords, reaches Reco's <c>new</c> and keyword sets and the channel's fresh page within
/// seconds, dated now; and a second replica does not publish again within the interval.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public class NewsroomTests(ToutiaoFixture fixture)
{
    // Reco looks for published articles every 5 s (Recommendation:PublishedCheckInterval).
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private DemoNewsroom Newsroom => fixture.WebService<DemoNewsroom>();

    [Fact]
    public async Task A_published_article_reaches_the_new_source_and_the_channels_fresh_page_within_seconds()
    {
        var published = await Newsroom.PublishOnceAsync(CancellationToken.None);
        var started = Stopwatch.StartNew();

        Assert.InRange(published.Keywords.Count, 1, 5);
        Assert.Equal(1, published.Keywords.Sum(k => k.Weight), 6);
        var words = await WordsAsync(published.ChannelId);
        Assert.Contains(published.Title.Split(' ')[1], words);

        var db = fixture.Redis.GetDatabase();
        while ((await db.SortedSetScoreAsync(RecallKeys.New(published.ChannelId), published.ArticleId)) is null
               || (await db.SortedSetScoreAsync(RecallKeys.New(RecommendedChannel.Id), published.ArticleId)) is null)
        {
            Assert.True(started.Elapsed < Patience, $"article {published.ArticleId} is not in the new sets after {started.Elapsed}");
            await Task.Delay(200);
        }

        Assert.All(published.Keywords, k => Assert.NotNull(db.SortedSetScore(RecallKeys.Keyword(k.Keyword), published.ArticleId)));

        // The app's fresh page of that channel shows it (Reco checks its sets every 2 s), dated now ("刚刚").
        System.Text.Json.JsonElement card;
        while (!TryFind(await fixture.WebClient.FeedAsync(published.ChannelId, Api.Now(), Api.NewAnonymousReader()), published.ArticleId, out card))
        {
            Assert.True(started.Elapsed < Patience, $"article {published.ArticleId} is not on channel {published.ChannelId}'s fresh page after {started.Elapsed}");
            await Task.Delay(200);
        }

        var date = DateTime.Parse(card.GetProperty("pubdate").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(date, DateTime.Now.AddMinutes(-2), DateTime.Now.AddMinutes(1));
        Assert.Equal(published.Title, card.GetProperty("title").GetString());
    }

    private static bool TryFind(ApiResponse page, long articleId, out System.Text.Json.JsonElement card)
    {
        card = page.Data.GetProperty("results").EnumerateArray().FirstOrDefault(a => a.GetProperty("art_id").GetInt64() == articleId);
        return card.ValueKind == System.Text.Json.JsonValueKind.Object;
    }

    [Fact]
    public async Task Within_half_an_interval_of_a_published_article_no_replica_publishes_again()
    {
        await Newsroom.PublishOnceAsync(CancellationToken.None);
        Assert.Null(await Newsroom.PublishIfDueAsync(TimeSpan.FromHours(1), CancellationToken.None));
    }

    private async Task<HashSet<string>> WordsAsync(int channel)
    {
        var words = new HashSet<string>();
        await using var command = fixture.MySql.CreateCommand($"SELECT word FROM news_channel_topic WHERE channel_id = {channel}");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            words.Add(reader.GetString(0));
        }

        return words;
    }
}
