using System.Diagnostics;
using Toutiao.Contracts.Storage;
using Toutiao.Web.Articles;
using Toutiao.Web.Auth;
using Toutiao.Web.Behaviors;
using Toutiao.Web.Http;

namespace Toutiao.Web.Feed;

/// <summary>
/// The home feed: Reco says which articles, the article cache says what they are.
/// Pinned articles (when asked for) come first, marked <c>is_top</c>, without trace.
/// When Reco cannot answer, the channel's hottest and newest articles are served instead
/// (not personalised, no history, empty tracking strings) rather than an empty screen.
/// </summary>
public sealed class FeedService(RecoClient reco, RecordedPages recorded, ArticleInfoCache cache, PopularArticles popular, BehaviorLog behaviors, FeedMetrics metrics)
{
    public const int PageSize = 10;

    private static readonly ArticleTrace NoTrace = new("", "", "", "");

    public async Task<FeedPage> GetPageAsync(Reader user, int channelId, long timestamp, bool withTop, CancellationToken cancellationToken)
    {
        if (!recorded.TryGet(user.RecoUserId, channelId, timestamp, out var recommendation))
        {
            try
            {
                recommendation = await reco.RecommendAsync(user.RecoUserId, channelId, PageSize, timestamp, cancellationToken);
                recorded.Remember(user.RecoUserId, channelId, timestamp, recommendation);
            }
            catch (RecoUnavailableException ex)
            {
                recommendation = await PopularInsteadAsync(channelId, "reco", (int)ex.StatusCode);
            }
        }

        if (recommendation.Exposure.Length > 0)
        {
            // Reco recorded a fresh page: the offline side learns what this reader was shown.
            behaviors.AppendExposure(user.RecoUserId, recommendation.Exposure);
        }

        CachedPage page;
        try
        {
            page = await cache.GetPageAsync(
                recommendation.Articles.Select(a => a.ArticleId).ToList(), withTop && recommendation.StartsAtTop ? channelId : null, cancellationToken);
        }
        catch (Exception ex) when (StorageFailures.IsStorageFailure(ex) && recommendation.DegradedBecause != "reco")
        {
            // None of the recommended articles is cached and MySQL does not answer: those of the
            // channel's popular articles that Redis or this process's memory hold (what most readers
            // read is what is cached), without asking MySQL again, rather than a 503.
            recommendation = await PopularInsteadAsync(channelId, "mysql", null, PopularCandidates);
            page = await cache.GetPageAsync(recommendation.Articles.Select(a => a.ArticleId).ToList(), null, cancellationToken, cachedOnly: true);
            if (page.Articles.Count == 0)
            {
                throw new ApiException(StatusCodes.Status503ServiceUnavailable, "Storage is temporarily unavailable.");
            }

            page = page with { Articles = [.. page.Articles.Take(PageSize)] };
        }

        var traces = recommendation.Articles.ToDictionary(a => a.ArticleId, a => a.Trace);
        var pinnedIds = page.Pinned.Select(c => c.Info.ArtId).ToHashSet();
        var results = page.Pinned.Select(card => ArticleItem.From(card, isTop: true))
            .Concat(page.Articles
                .Where(card => !pinnedIds.Contains(card.Info.ArtId))
                .Select(card => ArticleItem.From(card, trace: traces[card.Info.ArtId])))
            .ToList();
        // Each part that had to do without something says what; the header lists them all.
        string[] reasons = [.. new[] { recommendation.DegradedBecause, page.DegradedBecause }.OfType<string>().Distinct()];
        foreach (var reason in reasons)
        {
            metrics.RecordDegraded(reason);
        }

        return new FeedPage(recommendation.PreviousTimestamp, results)
        {
            DegradedBecause = reasons.Length == 0 ? null : string.Join(", ", reasons),
        };
    }

    /// <summary>Popular articles looked up in the cache when MySQL does not answer: some may not be cached.</summary>
    private const int PopularCandidates = 5 * PageSize;

    private async Task<Recommendation> PopularInsteadAsync(int channelId, string without, int? grpcStatus, int count = PageSize)
    {
        IReadOnlyList<long> ids;
        try
        {
            ids = await popular.ReadAsync(channelId, count);
        }
        catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
        {
            ids = [];
        }

        if (ids.Count == 0)
        {
            throw new ApiException(StatusCodes.Status503ServiceUnavailable,
                without == "reco" ? "Recommendation service is unavailable." : "Storage is temporarily unavailable.");
        }

        Activity.Current?.AddEvent(new ActivityEvent("feed.degraded", tags: new ActivityTagsCollection
        {
            ["toutiao.feed.degraded"] = without,
            ["rpc.grpc.status_code"] = grpcStatus,
        }));
        return new Recommendation(0, "", ids.Select(id => new RecommendedArticle(id, NoTrace)).ToList(), DegradedBecause: without);
    }
}
