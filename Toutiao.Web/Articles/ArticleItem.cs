namespace Toutiao.Web.Articles;

/// <summary>One item of an article list, in the Toutiao JSON shape.</summary>
public sealed record ArticleItem(
    long ArtId,
    string Title,
    long AutId,
    string AutName,
    long CommCount,
    long LikeCount,
    long CollectCount,
    DateTime Pubdate,
    ArticleCover Cover,
    int IsTop,
    ArticleTrace? Trace)
{
    public static ArticleItem From(ArticleCard card, bool isTop = false, ArticleTrace? trace = null) => new(
        card.Info.ArtId,
        card.Info.Title,
        card.Info.AutId,
        card.Author?.Name ?? "",
        card.Counts.CommCount,
        card.Counts.LikeCount,
        card.Counts.CollectCount,
        card.Info.Pubdate,
        card.Info.Cover,
        isTop ? 1 : 0,
        trace);
}
