using System.Text.Json;
using StackExchange.Redis;
using Toutiao.Contracts.Storage;
using Toutiao.ServiceDefaults.Clients;

namespace Toutiao.Web.Articles;

/// <summary>
/// Writes what MySQL returned for a page's misses back to Redis in one pipeline, with jittered
/// TTLs so keys do not expire together; ids that do not exist get the not-found marker.
/// </summary>
internal sealed partial class ArticleCacheWriteBack(IConnectionMultiplexer redis, StorageGuard guard, ILogger logger)
{
    public static readonly TimeSpan InfoTtl = TimeSpan.FromSeconds(1800);
    public static readonly TimeSpan InfoTtlJitter = TimeSpan.FromSeconds(600);
    public static readonly TimeSpan NotFoundTtl = TimeSpan.FromSeconds(300);
    public static readonly TimeSpan NotFoundTtlJitter = TimeSpan.FromSeconds(60);

    /// <summary>One span (<c>article_cache write_back</c>); a failure is logged, never thrown.</summary>
    public async Task WriteAsync(
        IReadOnlyList<long> articleIds,
        IReadOnlyDictionary<long, ArticleInfo> loadedArticles,
        IReadOnlyList<long> authorIds,
        IReadOnlyDictionary<long, AuthorProfile> loadedAuthors)
    {
        using var activity = WebTelemetry.Source.StartActivity("article_cache write_back");
        activity?.SetTag("toutiao.cache.articles", articleIds.Count);
        activity?.SetTag("toutiao.cache.authors", authorIds.Count);
        try
        {
            await guard.RunAsync(() => QueueWrites(redis.GetDatabase().CreateBatch(), articleIds, loadedArticles, authorIds, loadedAuthors), CancellationToken.None);
        }
        catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
        {
            // The page is already loaded; a failed write-back only costs a later miss.
            activity?.RecordFailure(ex);
            LogWriteBackFailed(ex);
        }
    }

    private static Task QueueWrites(
        IBatch batch,
        IReadOnlyList<long> articleIds,
        IReadOnlyDictionary<long, ArticleInfo> loadedArticles,
        IReadOnlyList<long> authorIds,
        IReadOnlyDictionary<long, AuthorProfile> loadedAuthors)
    {
        var writes = new List<Task>();
        foreach (var id in articleIds)
        {
            writes.Add(loadedArticles.TryGetValue(id, out var info)
                ? batch.StringSetAsync(ArticleCacheKeys.Info(id), JsonSerializer.Serialize(info, ToutiaoJson.Options), Jittered(InfoTtl, InfoTtlJitter))
                : batch.StringSetAsync(ArticleCacheKeys.Info(id), ArticleCacheKeys.NotFoundMarker, Jittered(NotFoundTtl, NotFoundTtlJitter)));
        }

        foreach (var (id, author) in loadedAuthors)
        {
            writes.Add(batch.StringSetAsync(ArticleCacheKeys.Profile(id), JsonSerializer.Serialize(author, ToutiaoJson.Options), Jittered(InfoTtl, InfoTtlJitter)));
        }

        foreach (var id in authorIds.Where(id => !loadedAuthors.ContainsKey(id)))
        {
            writes.Add(batch.StringSetAsync(ArticleCacheKeys.Profile(id), ArticleCacheKeys.NotFoundMarker, Jittered(NotFoundTtl, NotFoundTtlJitter)));
        }

        batch.Execute();
        return Task.WhenAll(writes);
    }

    private static TimeSpan Jittered(TimeSpan ttl, TimeSpan jitter)
        => ttl + TimeSpan.FromSeconds(Random.Shared.Next(0, (int)jitter.TotalSeconds + 1));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing loaded articles back to Redis failed")]
    private partial void LogWriteBackFailed(Exception exception);
}
