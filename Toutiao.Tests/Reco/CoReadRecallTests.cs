extern alias reco;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Toutiao.Contracts.Feed;
using Toutiao.Tests.Infrastructure;
using AlgorithmBucket = reco::Toutiao.Reco.Recommend.AlgorithmBucket;
using CoReadNeighbours = reco::Toutiao.Reco.Recall.CoReadNeighbours;
using Experiments = reco::Toutiao.Reco.Recommend.Experiments;
using RecommendationOptions = reco::Toutiao.Reco.Recommend.RecommendationOptions;

namespace Toutiao.Tests.Reco;

/// <summary>Item-to-item recall on real servers: what other readers read together with a reader's last read comes into their 推荐.</summary>
[Collection(ToutiaoCollection.Name)]
public class CoReadRecallTests(ToutiaoFixture fixture)
{
    private readonly ReaderActions actions = new(fixture);

    private RecommendationOptions Settings => fixture.Reco.Services.GetRequiredService<IOptions<RecommendationOptions>>().Value;

    [Fact]
    public async Task An_article_read_together_with_the_readers_last_read_comes_into_their_next_page_of_recommended()
    {
        const int channel = 11;
        // Two readers of one ranking variant see the same first page of the channel.
        var first = ReaderActions.ReaderIn(Experiments.Profile);
        var second = ReaderIn(Experiments.Profile, AlgorithmBucket.For(AnonymousId(first)));
        var page = await actions.PageAsync(channel, first);
        var (read, readWithIt) = (page.ArticleIds()[0], page.ArticleIds()[1]);
        await actions.ReportAsync(first, page, index => index is 0 or 1);

        var secondPage = await actions.PageAsync(channel, second);
        var at = secondPage.ArticleIds().ToList().IndexOf(read);
        Assert.True(at >= 0, $"article {read} is not on the second reader's page: {string.Join(',', secondPage.ArticleIds())}");
        await actions.ReportAsync(second, secondPage, index => index == at);

        var trace = TestTrace.New();
        var recommended = await fixture.WebClient.FeedAsync(RecommendedChannel.Id, Api.Now(), second, trace: trace);

        Assert.Contains(readWithIt, recommended.ArticleIds());
        var neighbours = await fixture.Cache.GetDatabase().SortedSetRangeByRankWithScoresAsync(CoReadNeighbours.NeighboursKey(read));
        Assert.Contains(neighbours, n => (long)n.Element == readWithIt && n.Score >= 1);
        var ttl = await fixture.Cache.GetDatabase().KeyTimeToLiveAsync(CoReadNeighbours.NeighboursKey(read));
        Assert.InRange(ttl!.Value, Settings.NeighbourRetention - TimeSpan.FromMinutes(1), Settings.NeighbourRetention);
        Assert.Equal([read], (await fixture.Cache.GetDatabase().ListRangeAsync(CoReadNeighbours.RecentKey(AnonymousId(second)))).Select(v => (long)v));
    }

    private static string AnonymousId(string reader) => "anony:" + reader["Anony ".Length..];

    private static string ReaderIn(string arm, string variant)
    {
        while (true)
        {
            var reader = ReaderActions.ReaderIn(arm);
            if (AlgorithmBucket.For(AnonymousId(reader)) == variant)
            {
                return reader;
            }
        }
    }
}

/// <summary>The same tests with Web and Reco on a Redis Cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CoReadRecallOnClusterTests(ClusterToutiaoFixture fixture) : CoReadRecallTests(fixture);
