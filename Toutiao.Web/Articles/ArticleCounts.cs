namespace Toutiao.Web.Articles;

/// <summary>The live counters of an article, from the <c>count:art:*</c> sorted sets.</summary>
public sealed record ArticleCounts(long CommCount, long LikeCount, long CollectCount, long ReadCount)
{
    public static readonly ArticleCounts Zero = new(0, 0, 0, 0);
}
