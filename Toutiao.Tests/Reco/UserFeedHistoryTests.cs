extern alias reco;

using Microsoft.Extensions.DependencyInjection;
using Toutiao.Tests.Infrastructure;
using UserFeedHistory = reco::Toutiao.Reco.History.UserFeedHistory;

namespace Toutiao.Tests.Reco;

/// <summary>Recording fresh pages in Redis, which concurrent refreshes of one reader race for.</summary>
[Collection(ToutiaoCollection.Name)]
public sealed class UserFeedHistoryTests(ToutiaoFixture fixture)
{
    private UserFeedHistory History => fixture.Reco.Services.GetRequiredService<UserFeedHistory>();

    [Fact]
    public async Task Concurrent_fresh_pages_of_one_reader_from_the_same_candidates_never_share_an_article()
    {
        var reader = $"history-{Guid.NewGuid():N}";
        var t0 = Api.Now();
        // Every refresh ranked the same candidates, as concurrent requests do before any of them is recorded.
        var candidates = Enumerable.Range(1, 300).Select(i => (long)i).ToList();

        var pages = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => History.RecordFreshPageAsync(reader, 7, t0 + i * 1000, candidates, 10)));

        var ids = pages.SelectMany(page => page.ArticleIds).ToList();
        Assert.Equal(200, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(candidates.Take(200).Order(), ids.Order());
    }

    [Fact]
    public async Task A_page_points_at_the_page_before_it_and_a_retry_gets_the_recorded_page()
    {
        var reader = $"history-{Guid.NewGuid():N}";
        var t1 = Api.Now();
        var candidates = Enumerable.Range(1, 50).Select(i => (long)i).ToList();

        var first = await History.RecordFreshPageAsync(reader, 7, t1, candidates, 10);
        var second = await History.RecordFreshPageAsync(reader, 7, t1 + 1000, candidates, 10);
        Assert.Equal(0, first.PreviousTimestamp);
        Assert.Equal(t1, second.PreviousTimestamp);
        Assert.Equal(candidates.Skip(10).Take(10), second.ArticleIds);

        var retried = await History.RecordFreshPageAsync(reader, 7, t1 + 1000, candidates, 10);
        Assert.Equal(second.ArticleIds, retried.ArticleIds);
        Assert.Equal(t1, retried.PreviousTimestamp);
    }

    [Fact]
    public async Task Articles_served_in_the_recommended_channel_are_not_served_again_in_another()
    {
        var reader = $"history-{Guid.NewGuid():N}";
        var candidates = Enumerable.Range(1, 30).Select(i => (long)i).ToList();

        var recommended = await History.RecordFreshPageAsync(reader, 0, Api.Now(), candidates, 10);
        var channel = await History.RecordFreshPageAsync(reader, 7, Api.Now() + 1, candidates, 10);
        Assert.Empty(recommended.ArticleIds.Intersect(channel.ArticleIds));
    }
}
