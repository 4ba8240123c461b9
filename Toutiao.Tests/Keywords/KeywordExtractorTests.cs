using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Keywords;

namespace Toutiao.Tests.Keywords;

/// <summary>An article's keywords: SmartCn terms of its title and body, the top 5 by TF-IDF.</summary>
[Trait("Category", TestCategories.Unit)]
public class KeywordExtractorTests
{
    [Fact]
    public void Terms_come_from_the_title_and_the_body_without_tags_numbers_or_single_characters()
    {
        using var terms = new KeywordTerms();
        var counts = terms.Count("实战 数据库 索引 第12篇", "<p>这是第 12 篇文章。</p><p>索引和事务是数据库的老话题。</p>");

        Assert.Equal(KeywordTerms.TitleWeight + 1, counts["索引"]);
        Assert.Equal(KeywordTerms.TitleWeight + 1, counts["数据库"]);
        Assert.Equal(1, counts["事务"]);
        Assert.DoesNotContain(counts.Keys, t => t.Length < 2 || t.Any(char.IsDigit) || t.Contains('<') || t == "p");
    }

    [Fact]
    public void A_term_in_few_articles_outranks_one_in_many_and_one_in_over_a_tenth_is_no_keyword()
    {
        var counts = new Dictionary<string, int> { ["索引"] = 2, ["数据库"] = 2, ["文章"] = 9, ["深入"] = 9, ["事务"] = 1 };
        var documents = new Dictionary<string, long> { ["索引"] = 10, ["数据库"] = 90, ["文章"] = 1000, ["深入"] = 125, ["事务"] = 10 };

        var keywords = KeywordExtractor.Top(counts, t => documents[t], 1000);

        Assert.Equal(["索引", "数据库", "事务"], keywords.Select(k => k.Keyword));
        Assert.Equal(1, keywords.Sum(k => k.Weight), 9);
        Assert.True(keywords[0].Weight > keywords[1].Weight);
    }

    [Fact]
    public void At_most_five_keywords_and_none_for_an_article_of_boilerplate()
    {
        var many = Enumerable.Range(0, 20).ToDictionary(i => $"词{(char)('甲' + i)}", i => 1 + i);
        Assert.Equal(KeywordExtractor.KeywordsPerArticle, KeywordExtractor.Top(many, _ => 1, 1000).Length);
        Assert.Equal("词" + (char)('甲' + 19), KeywordExtractor.Top(many, _ => 1, 1000)[0].Keyword);

        Assert.Empty(KeywordExtractor.Top(new Dictionary<string, int> { ["头条"] = 3 }, _ => 1000, 1000));
    }
}
