using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Articles;

namespace Toutiao.Tests.Articles;

/// <summary>What of an article's HTML reaches a reader: its text and formatting, nothing that runs.</summary>
[Trait("Category", TestCategories.Unit)]
public sealed class ArticleHtmlTests
{
    private readonly ArticleHtml _html = new();

    [Theory]
    [InlineData("<p>正文<script>alert(1)</script></p>", "<p>正文</p>")]
    [InlineData("<img src=\"/images/article/1-1.jpg\" onerror=\"alert(1)\">", "<img src=\"/images/article/1-1.jpg\">")]
    [InlineData("<a href=\"javascript:alert(1)\">链接</a>", "<a>链接</a>")]
    [InlineData("<iframe src=\"https://example.com\"></iframe><p>留下</p>", "<p>留下</p>")]
    [InlineData("<h2>标题</h2><p><strong>粗</strong> <em>斜</em></p>", "<h2>标题</h2><p><strong>粗</strong> <em>斜</em></p>")]
    [InlineData("", "")]
    public void Only_what_cannot_run_is_kept(string written, string served)
        => Assert.Equal(served, _html.Sanitize(written));
}
