extern alias reco;

using ArticleCatalog = reco::Toutiao.Reco.Ranking.ArticleCatalog;
using ArticleFacts = reco::Toutiao.Reco.Ranking.ArticleFacts;
using ArticleKeyword = Toutiao.Contracts.Articles.ArticleKeyword;
using AuthorRecall = reco::Toutiao.Reco.Recall.AuthorRecall;
using ClickFeatures = reco::Toutiao.Reco.Ranking.ClickFeatures;
using ContentRecall = reco::Toutiao.Reco.Recall.ContentRecall;
using ProfileRecall = reco::Toutiao.Reco.Recall.ProfileRecall;
using RecallSource = reco::Toutiao.Reco.Recall.RecallSource;

namespace Toutiao.Tests.Reco;

/// <summary>Content recall (keywords matching the profile's), author recall, and the catalogue indexes both read.</summary>
[Trait("Category", "Unit")]
public sealed class ContentRecallTests
{
    private const long Hour = 3_600_000;

    /// <summary>Articles 1..60: odd ones about 索引 (and 事务), even ones about 协程; author 1 + id % 3; a larger id is an hour newer.</summary>
    private static readonly ArticleCatalog Catalog = new(Enumerable.Range(1, 60).ToDictionary(n => (long)n, n => new ArticleFacts(
        1 + (n % 2), n * Hour, 0, 1 + (n % 3),
        n % 2 == 1 ? [new ArticleKeyword("索引", 0.6), new ArticleKeyword("事务", 0.4)] : [new ArticleKeyword("协程", 0.7), new ArticleKeyword("装饰器", 0.3)])));

    [Fact]
    public void The_catalogue_indexes_keywords_and_authors_newest_first()
    {
        Assert.Equal(30, Catalog.ByKeyword["索引"].Length);
        Assert.Equal(59, Catalog.ByKeyword["索引"][0]);
        Assert.True(Catalog.ByKeyword["协程"].Zip(Catalog.ByKeyword["协程"].Skip(1)).All(p => p.First > p.Second));
        Assert.All(Catalog.ByAuthor[2], id => Assert.Equal(1, id % 3));
        Assert.Equal(60, Catalog.NewestArticleId);
    }

    [Fact]
    public void Keyword_sets_read_from_Redis_make_the_index_without_articles_the_catalogue_does_not_know()
    {
        var catalog = new ArticleCatalog(Catalog.Articles, new Dictionary<string, long[]> { ["索引"] = [999, 59, 57] });

        Assert.Equal([59L, 57L], catalog.ByKeyword["索引"]);
        Assert.False(catalog.ByKeyword.ContainsKey("协程"));
    }

    [Fact]
    public void Articles_matching_the_readers_keywords_come_first_the_stronger_match_before_the_weaker()
    {
        var ranked = ContentRecall.Rank(new Dictionary<string, double> { ["索引"] = 5, ["协程"] = 1 }, Catalog, keywordsLookedUp: 10);

        Assert.Equal(60, ranked.Length);
        // The newest article about 索引 first; the newest about 协程 after recent ones about 索引, before much older ones.
        Assert.Equal(59, ranked[0]);
        Assert.All(ranked.Take(20), id => Assert.Equal(1, id % 2));
        Assert.InRange(Array.IndexOf(ranked, 60L), 20, Array.IndexOf(ranked, 1L));
    }

    [Fact]
    public void A_match_in_the_readers_own_channel_outranks_an_equal_one_elsewhere()
    {
        var keywords = new Dictionary<string, double> { ["索引"] = 1.5, ["协程"] = 1 };

        // Without channels 索引's stronger share wins; the reader reads channel 1 (the 协程 articles): those first.
        Assert.Equal(59, ContentRecall.Rank(keywords, Catalog, 10)[0]);
        var ranked = ContentRecall.Rank(keywords, Catalog, 10, new Dictionary<int, double> { [1] = 4, [2] = 0.5 });
        Assert.Equal(60, ranked[0]);
        // The match elsewhere still comes, before the reader's channel's much older ones.
        Assert.InRange(Array.IndexOf(ranked, 59L), 1, Array.IndexOf(ranked, 2L));
    }

    [Fact]
    public void Only_the_strongest_keywords_are_looked_up_and_a_profile_without_keywords_recalls_nothing()
    {
        var ranked = ContentRecall.Rank(new Dictionary<string, double> { ["索引"] = 5, ["协程"] = 1, ["没有的词"] = 9 }, Catalog, keywordsLookedUp: 2);

        Assert.All(ranked, id => Assert.Equal(1, id % 2));
        Assert.Empty(ContentRecall.Rank(new Dictionary<string, double>(), Catalog, 10));
        Assert.Empty(ContentRecall.Rank(new Dictionary<string, double> { ["索引"] = -1 }, Catalog, 10));
    }

    [Fact]
    public void Followed_authors_newest_articles_come_by_weight()
    {
        var ranked = AuthorRecall.Rank(new Dictionary<long, double> { [2] = 10, [3] = 1 }, Catalog);

        Assert.Equal(40, ranked.Length);
        Assert.Equal(58, ranked[0]);
        Assert.All(ranked.Take(15), id => Assert.Equal(1, id % 3));
        Assert.DoesNotContain(ranked, id => id % 3 == 0);
        Assert.Empty(AuthorRecall.Rank(new Dictionary<long, double> { [99] = 1 }, Catalog));
    }

    [Fact]
    public void Each_personal_source_with_candidates_takes_its_share_and_one_without_takes_none()
    {
        long[] everything = [.. Enumerable.Range(1, 100).Select(i => (long)i)];
        var channel = new RecallSource([1, 3, 5], 0, 0, 1);
        var content = new RecallSource([7, 9], 0.15, 0, RecallSource.Content);
        var author = new RecallSource([], 0.1, 0, RecallSource.Author);

        var sources = ProfileRecall.Sources(new RecallSource(everything, 0, 0, 0), [(channel, 1)], 0.2, content, author);

        Assert.Equal([1, RecallSource.Content, 0], sources.Select(s => s.Channel));
        Assert.Equal([0.65, 0.15, 0.2], sources.Select(s => Math.Round(s.Share, 6)));
        Assert.False(sources[1].IsChannel);
    }

    [Fact]
    public void Keyword_similarity_is_the_cosine_of_the_two_weightings()
    {
        var reader = new Dictionary<string, double> { ["索引"] = 3, ["事务"] = 2 };
        var norm = ClickFeatures.Norm(reader.Values);

        Assert.Equal(0, ClickFeatures.KeywordSimilarity(reader, norm, Catalog.Articles[2].KeywordList));
        Assert.Equal(1, ClickFeatures.KeywordSimilarity(reader, norm, [new ArticleKeyword("索引", 0.6), new ArticleKeyword("事务", 0.4)]), 6);
        Assert.InRange(ClickFeatures.KeywordSimilarity(reader, norm, [new ArticleKeyword("索引", 0.5), new ArticleKeyword("协程", 0.5)]), 0.5, 0.7);
        Assert.Equal(0, ClickFeatures.KeywordSimilarity(new Dictionary<string, double>(), 0, Catalog.Articles[1].KeywordList));
    }
}
