using Lucene.Net.Analysis.Cn.Smart;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Store;
using Lucene.Net.Util;
using Toutiao.Web.Search;

namespace Toutiao.Tests.Search;

/// <summary>Suggestions complete the word being typed, over an index built the way ArticleSearch builds it.</summary>
[Trait("Category", "Unit")]
public sealed class SuggestionQueryTests : IDisposable
{
    private static readonly string[] Titles =
    [
        "深入理解 html 第1篇",
        "实战 android 第2篇",
        "图解 数据库 第3篇",
        "深度学习入门 第4篇",
        "一文读懂 HTML5 语义 第5篇",
    ];

    private readonly SmartChineseAnalyzer _analyzer = new(LuceneVersion.LUCENE_48);
    private readonly RAMDirectory _directory = new();

    public SuggestionQueryTests()
    {
        using var writer = new IndexWriter(_directory, new IndexWriterConfig(LuceneVersion.LUCENE_48, _analyzer));
        foreach (var title in Titles)
        {
            writer.AddDocument([new TextField("title", title, Field.Store.YES)]);
        }

        writer.Commit();
    }

    [Theory]
    [InlineData("深", new[] { "深入理解 html 第1篇", "深度学习入门 第4篇" })]
    [InlineData("深入", new[] { "深入理解 html 第1篇" })]
    [InlineData("htm", new[] { "深入理解 html 第1篇", "一文读懂 HTML5 语义 第5篇" })]
    [InlineData("HTM", new[] { "深入理解 html 第1篇", "一文读懂 HTML5 语义 第5篇" })]
    [InlineData("深入理解 ht", new[] { "深入理解 html 第1篇" })]
    [InlineData("andr", new[] { "实战 android 第2篇" })]
    [InlineData("区块", new string[0])]
    public void What_was_typed_so_far_is_completed(string typed, string[] expected)
        => Assert.Equal(expected.Order(), Suggest(typed).Order());

    [Fact]
    public void A_title_with_the_whole_word_comes_before_one_where_it_only_starts_a_word()
    {
        // "html" is a whole word in title 1 and only the start of "html5" in title 5.
        Assert.Equal("深入理解 html 第1篇", Suggest("html")[0]);
    }

    private List<string> Suggest(string typed)
    {
        using var reader = DirectoryReader.Open(_directory);
        var searcher = new IndexSearcher(reader);
        var terms = ArticleSearch.Terms(_analyzer, typed);
        return terms.Count == 0 ? [] : searcher.Search(ArticleSearch.SuggestionQuery(terms), 10).ScoreDocs.Select(hit => searcher.Doc(hit.Doc).Get("title")).ToList();
    }

    public void Dispose()
    {
        _directory.Dispose();
        _analyzer.Dispose();
    }
}
