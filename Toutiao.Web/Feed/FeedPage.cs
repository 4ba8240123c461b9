using Toutiao.Web.Articles;

namespace Toutiao.Web.Feed;

public sealed record FeedPage(long PreTimestamp, IReadOnlyList<ArticleItem> Results)
{
    /// <summary>What the page had to do without (<c>reco</c>, <c>mysql</c>), or null for a whole page; sent as <c>X-Feed-Degraded</c>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? DegradedBecause { get; init; }
}
