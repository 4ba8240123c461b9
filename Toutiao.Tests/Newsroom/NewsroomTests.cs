extern alias reco;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Toutiao.Contracts.Feed;
using Toutiao.Contracts.Recall;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Newsroom;
using RecallCandidateStore = reco::Toutiao.Reco.Recall.RecallCandidateStore;

namespace Toutiao.Tests.Newsroom;

/// <summary>
/// The demo newsroom on real servers: an article it publishes has its channel's words and its
/// keywords, reaches Reco's <c>new</c> and keyword sets and its candidates in memory within
/// seconds, dated now; and a second replica does not publish again within the interval.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public class NewsroomTests(ToutiaoFixture fixture)
{
    // Reco looks for published articles every 5 s (Recommendation:PublishedCheckInterval).
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private DemoNewsroom Newsroom => fixture.WebService<DemoNewsroom>();

    [Fact]
    public async Task A_published_article_reaches_the_new_source_within_seconds_dated_now()
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

        // Reco's candidates in memory have it among the channel's newest (it checks its sets
        // every 2 s): the new source of every fresh page. (Whether it makes a page's first ten is
        // the hot/new blend's call, which other tests' hot scores move.)
        var store = fixture.Reco.Services.GetRequiredService<RecallCandidateStore>();
        while ((await store.GetAsync(published.ChannelId, CancellationToken.None)).Newest.Take(5).Contains(published.ArticleId) is false)
        {
            Assert.True(started.Elapsed < Patience, $"article {published.ArticleId} is not among the newest of channel {published.ChannelId}'s candidates after {started.Elapsed}");
            await Task.Delay(200);
        }

        // The app's card of it is dated now ("刚刚") and titled as published.
        var detail = (await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{published.ArticleId}")).Data;
        var date = DateTime.Parse(detail.GetProperty("pubdate").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(date, DateTime.Now.AddMinutes(-2), DateTime.Now.AddMinutes(1));
        Assert.Equal(published.Title, detail.GetProperty("title").GetString());
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
