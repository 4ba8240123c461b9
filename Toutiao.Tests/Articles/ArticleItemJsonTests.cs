using System.Text.Json;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Articles;

namespace Toutiao.Tests.Articles;

/// <summary>The hand-written article item: the Toutiao shape, every string escaped as the API's encoder escapes it.</summary>
[Trait("Category", TestCategories.Unit)]
public sealed class ArticleItemJsonTests
{
    private const string Tracking = """{"action":"click","userId":"anony:a b","articleId":"7","algorithmCombine":"Algo-2","issuedAt":1796642550773,"sig":"ROMTkpEULfGpWWzwXS-_OWw"}""";

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, ToutiaoJson.Options);

    [Fact]
    public void An_item_with_a_trace_is_written_in_the_toutiao_shape()
    {
        // Strings the encoder treats differently: Chinese, HTML characters, quotes, a backslash, a control character, non-ASCII in a trace.
        var title = "头条 <b>\"引号\"</b> & 'x' \\ \t";
        var trace = new ArticleTrace(Tracking, "", Tracking.Replace("anony:a b", "anony:读者"), "\"\"\\\"");
        var item = new ArticleItem(7, title, 877, "头条作者0877", 151, 1233, 693, new DateTime(2026, 12, 7, 6, 20, 40, 123),
            new ArticleCover(3, ["/images/article/7-1.jpg", "/a\"b.jpg"]), 0, trace);

        var expected = "{\"art_id\":7,\"title\":" + Json(title) + ",\"aut_id\":877,\"aut_name\":\"头条作者0877\",\"comm_count\":151,"
            + "\"like_count\":1233,\"collect_count\":693,\"pubdate\":\"2026-12-07T06:20:40.123\",\"cover\":{\"type\":3,\"images\":[\"/images/article/7-1.jpg\","
            + Json("/a\"b.jpg") + "]},\"is_top\":0,\"trace\":{\"click\":" + Json(trace.Click) + ",\"collect\":\"\",\"share\":" + Json(trace.Share)
            + ",\"read\":" + Json(trace.Read) + "}}";
        Assert.Equal(expected, Json(item));
        // The tracking string comes back whole when the app parses the answer.
        Assert.Equal(Tracking, JsonDocument.Parse(Json(item)).RootElement.GetProperty("trace").GetProperty("click").GetString());
    }

    [Fact]
    public void An_item_without_a_trace_has_none_and_lists_keep_their_shape()
    {
        var item = new ArticleItem(8, "t", 1, "", 0, 0, 0, new DateTime(2026, 12, 7, 6, 20, 40), new ArticleCover(0, []), 1, null);

        Assert.Equal("""[{"art_id":8,"title":"t","aut_id":1,"aut_name":"","comm_count":0,"like_count":0,"collect_count":0,"pubdate":"2026-12-07T06:20:40","cover":{"type":0,"images":[]},"is_top":1}]""",
            Json(new[] { item }));
    }

    [Fact]
    public void Parts_a_cached_info_may_lack_are_left_out_as_the_options_leave_out_nulls()
    {
        var item = new ArticleItem(9, null!, 1, null!, 0, 0, 0, new DateTime(2026, 12, 7), null!, 0, new ArticleTrace(null!, "", "", ""));
        Assert.Equal("""{"art_id":9,"aut_id":1,"comm_count":0,"like_count":0,"collect_count":0,"pubdate":"2026-12-07T00:00:00","is_top":0,"trace":{"collect":"","share":"","read":""}}""",
            Json(item));
        Assert.Contains(""","pubdate":"2026-12-07T00:00:00","cover":{"type":0},"is_top":0,""", Json(item with { Cover = new ArticleCover(0, null!) }));
    }
}
