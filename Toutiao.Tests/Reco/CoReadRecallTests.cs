extern alias reco;
using System.Text.Json;
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
    public async Task Articles_read_together_with_the_readers_last_read_come_into_their_next_page_of_recommended_named_by_source()
    {
        const int channel = 11;
        const int otherChannel = 13;
        // Two readers of one ranking variant see the same first page of the channel. The first reads
        // its top article, then the top one of another channel: read together. The second reader's
        // profile is the first channel only, so only item-to-item recall offers the other article.
        var first = ReaderActions.ReaderIn(Experiments.Profile);
        var second = ReaderIn(Experiments.Profile, AlgorithmBucket.For(AnonymousId(first)));
        var page = await actions.PageAsync(channel, first);
        var read = page.ArticleIds()[0];
        await actions.ReportAsync(first, page, index => index == 0);
        var otherPage = await actions.PageAsync(otherChannel, first);
        var readWithIt = otherPage.ArticleIds()[0];
        await actions.ReportAsync(first, otherPage, index => index == 0);

        var secondPage = await actions.PageAsync(channel, second);
        var at = secondPage.ArticleIds().ToList().IndexOf(read);
        Assert.True(at >= 0, $"article {read} is not on the second reader's page: {string.Join(',', secondPage.ArticleIds())}");
        await actions.ReportAsync(second, secondPage, index => index == at);

        var trace = TestTrace.New();
        var recommended = await fixture.WebClient.FeedAsync(RecommendedChannel.Id, Api.Now(), second, trace: trace);

        // Its tracking strings say where each article came from: the item-to-item ones are read-together
        // articles of the reader's last read (other tests' readers may have read it too, with other articles).
        var neighbours = await fixture.Cache.GetDatabase().SortedSetRangeByRankWithScoresAsync(CoReadNeighbours.NeighboursKey(read));
        Assert.Contains(neighbours, n => (long)n.Element == readWithIt && n.Score >= 1);
        var sources = recommended.Data.GetProperty("results").EnumerateArray().ToDictionary(
            item => item.GetProperty("art_id").GetInt64(),
            item => JsonDocument.Parse(item.GetProperty("trace").GetProperty("click").GetString()!).RootElement.GetProperty("algorithmCombine").GetString()!);
        var coRead = sources.Where(s => s.Value.EndsWith("|coread", StringComparison.Ordinal)).Select(s => s.Key).ToList();
        // On a fresh fixture that is the other article; other tests' readers may have read the first one with stronger neighbours.
        Assert.NotEmpty(coRead);
        Assert.All(coRead, id => Assert.Contains(neighbours, n => (long)n.Element == id));
        Assert.Contains(sources.Values, source => source.EndsWith($"|channel-{channel}", StringComparison.Ordinal));
        Assert.Contains(sources.Values, source => source.EndsWith("|explore", StringComparison.Ordinal));
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
