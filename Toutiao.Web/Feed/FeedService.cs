using Toutiao.Web.Articles;
using Toutiao.Web.Auth;

namespace Toutiao.Web.Feed;

public sealed record FeedPage(long PreTimestamp, IReadOnlyList<ArticleItem> Results);

/// <summary>
/// The home feed: Reco says which articles, the article cache says what they are.
/// Pinned articles (when asked for) come first, marked <c>is_top</c>, without trace.
/// </summary>
public sealed class FeedService(RecoClient reco, ArticleInfoCache cache)
{
    public const int PageSize = 10;

    public async Task<FeedPage> GetPageAsync(FeedUser user, int channelId, long timestamp, bool withTop, CancellationToken cancellationToken)
    {
        var recommendation = await reco.RecommendAsync(user.RecoUserId, channelId, PageSize, timestamp, cancellationToken);
        var page = await cache.GetPageAsync(
            recommendation.Articles.Select(a => a.ArticleId).ToList(), withTop ? channelId : null, cancellationToken);

        var traces = recommendation.Articles.ToDictionary(a => a.ArticleId, a => a.Trace);
        var pinnedIds = page.Pinned.Select(c => c.Info.ArtId).ToHashSet();
        var results = page.Pinned.Select(card => ArticleItem.From(card, isTop: true))
            .Concat(page.Articles
                .Where(card => !pinnedIds.Contains(card.Info.ArtId))
                .Select(card => ArticleItem.From(card, trace: traces[card.Info.ArtId])))
            .ToList();
        return new FeedPage(recommendation.PreviousTimestamp, results);
    }
}
