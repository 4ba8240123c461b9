extern alias reco;

using Microsoft.Extensions.Options;
using Toutiao.Tests.Infrastructure;
using AlgorithmBucket = reco::Toutiao.Reco.Recommend.AlgorithmBucket;
using Candidate = reco::Toutiao.Reco.Recall.Candidate;
using FeedRanker = reco::Toutiao.Reco.Recommend.FeedRanker;
using RecommendationOptions = reco::Toutiao.Reco.Recommend.RecommendationOptions;
using UserFeedHistory = reco::Toutiao.Reco.History.UserFeedHistory;

namespace Toutiao.Tests.Reco;

[Trait("Category", TestCategories.Unit)]
public sealed class FeedRankerTests
{
    private const double Hour = 3_600_000;

    // 1: old and hot; 2: new and cold; 3: in between.
    private static readonly Candidate[] Candidates =
    [
        new(1, PublishedAtMs: 0, Hotness: 100),
        new(2, PublishedAtMs: 48 * Hour, Hotness: 0),
        new(3, PublishedAtMs: 24 * Hour, Hotness: 50),
    ];

    private static FeedRanker Ranker(double algo1, double algo2)
        => new(Options.Create(new RecommendationOptions { HotWeightAlgo1 = algo1, HotWeightAlgo2 = algo2, RecencyHalfLifeHours = 24 }));

    [Fact]
    public void Each_bucket_has_its_own_weight_of_hotness_against_recency()
    {
        var ranker = Ranker(algo1: 1, algo2: 0);
        Assert.Equal([1, 3, 2], ranker.Rank(Candidates, AlgorithmBucket.Algo1, 10));
        Assert.Equal([2, 3, 1], ranker.Rank(Candidates, AlgorithmBucket.Algo2, 10));
    }

    [Fact]
    public void Ties_go_to_the_newer_id_and_the_count_is_kept()
    {
        var ranker = Ranker(algo1: 1, algo2: 1);
        Assert.Equal([9, 8], ranker.Rank([new(8, 0, 5), new(9, 0, 5), new(7, 0, 1)], AlgorithmBucket.Algo1, 2));
        Assert.Empty(ranker.Rank([], AlgorithmBucket.Algo1, 10));
    }

    [Theory]
    [InlineData("1", "Algo-1")] // md5 starts with c
    [InlineData("3", "Algo-2")] // e
    [InlineData("100", "Algo-2")] // f
    [InlineData("42", "Algo-1")] // a
    public void The_bucket_is_the_first_hex_digit_of_md5_of_the_user_id(string userId, string bucket)
        => Assert.Equal(bucket, AlgorithmBucket.For(userId));

    [Fact]
    public void A_reader_s_history_keys_share_one_cluster_slot()
    {
        var pages = UserFeedHistory.PagesKey("anony:x", 3);
        var served = UserFeedHistory.ServedKey("anony:x", 0);
        Assert.Equal(HashTag(pages), HashTag(served));
        Assert.Equal("{u:anony:x}", HashTag(pages));
    }

    private static string HashTag(string key) => key[key.IndexOf('{')..(key.IndexOf('}') + 1)];
}
