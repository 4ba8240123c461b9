using Toutiao.Contracts.Articles;

namespace Toutiao.Web.Articles;

/// <summary>The Redis keys of the article cache, as the original system named them.</summary>
public static class ArticleCacheKeys
{
    /// <summary>Cached for an id that does not exist, so repeated misses do not reach MySQL.</summary>
    public const string NotFoundMarker = "-1";

    public const string CommentCounts = ArticleCounters.Comments;
    public const string LikeCounts = ArticleCounters.Likes;
    public const string CollectCounts = ArticleCounters.Collects;
    public const string ReadCounts = ArticleCounters.Reads;

    public static readonly string[] AllCounts = [CommentCounts, LikeCounts, CollectCounts, ReadCounts];

    public static string Info(long articleId) => $"art:{articleId}:info";

    public static string Profile(long userId) => $"user:{userId}:profile";

    /// <summary>Sorted set of a channel's pinned articles; the highest score comes first.</summary>
    public static string Top(int channelId) => $"ch:{channelId}:art:top";
}
