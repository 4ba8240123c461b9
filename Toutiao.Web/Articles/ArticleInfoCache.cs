using System.Diagnostics;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.Contracts.Storage;
using Toutiao.ServiceDefaults.Clients;

namespace Toutiao.Web.Articles;

/// <summary>
/// Cache-aside for article cards, what the rest of Web reads them through. A page is read from
/// this process's memory when it holds every part of it (<see cref="LocalPageSource"/>: one
/// pipeline of counters), else from Redis: one script round trip on a single server
/// (<see cref="ScriptPageSource"/>), two or three pipelines on a cluster, each one round trip per
/// node in parallel (<see cref="ClusterPageSource"/>). Misses cost one MySQL round trip and one
/// write-back pipeline, shared by concurrent pages (<see cref="ArticleMissLoader"/>); counter
/// buckets that are not loaded one more of each (<see cref="ArticleCounterLoader"/>). Ids that do
/// not exist are cached as a not-found marker.
/// </summary>
/// <remarks>
/// With Redis down, slow or frozen (its <see cref="StorageGuard"/>), pages are read from MySQL whole,
/// within a bulkhead (<see cref="UncachedPageReader"/>); MySQL's calls are guarded as well.
/// </remarks>
public sealed partial class ArticleInfoCache(
    [FromKeyedServices(RedisConnections.Cache)] IConnectionMultiplexer redis,
    [FromKeyedServices(RedisConnections.Cache)] StorageGuard cacheGuard,
    [FromKeyedServices(StorageGuardExtensions.MySql)] StorageGuard mysqlGuard,
    ArticleRepository repository,
    LocalCardCache local,
    ArticleCacheMetrics metrics,
    IOptions<ArticleCacheOptions> options,
    ILogger<ArticleInfoCache> logger)
{
    // The parts are this class's own, not services: they log under its category, as they did when they were one class.
    private readonly LocalPageSource _local = new(redis, local);
    private readonly ScriptPageSource _server = new(redis, logger);
    private readonly ClusterPageSource _cluster = new(redis, logger);
    private readonly ArticleMissLoader _misses = new(repository, mysqlGuard, new ArticleCacheWriteBack(redis, cacheGuard, logger), metrics);
    private readonly UncachedPageReader _uncached = new(repository, mysqlGuard, metrics, options);
    private readonly ArticleCounterLoader _counters = new(repository, mysqlGuard, redis, cacheGuard, logger);

    /// <summary>
    /// Reads a page of cards as one span (<c>article_cache read</c>) tagged with requested, hit,
    /// not-found and missed counts; its Redis round trip, the MySQL fallback and the write-back are
    /// its children.
    /// </summary>
    /// <param name="cachedOnly">Only what Redis or this process's memory holds, no MySQL read (MySQL does not answer): the cards found, in order, the rest left out.</param>
    public async Task<CachedPage> GetPageAsync(IReadOnlyList<long> articleIds, int? pinnedOfChannel, CancellationToken cancellationToken, bool cachedOnly = false)
    {
        using var activity = WebTelemetry.Source.StartActivity("article_cache read");
        try
        {
            try
            {
                return await ReadPageAsync(articleIds, pinnedOfChannel, cachedOnly, activity, cancellationToken);
            }
            catch (Exception ex) when (StorageFailures.IsRedisFailure(ex) && !cachedOnly)
            {
                activity?.SetTag("toutiao.cache.bypassed", true);
                LogRedisBypassed(articleIds.Count, ex);
                return await _uncached.ReadAsync(articleIds, cancellationToken);
            }
        }
        catch (Exception ex)
        {
            activity?.RecordFailure(ex);
            throw;
        }
    }

    /// <summary>Forgets what this process holds of the article (its memory, a load just finished); Redis is the caller's.</summary>
    public void Forget(long articleId)
    {
        local.ForgetArticle(articleId);
        _misses.ForgetArticle(articleId);
    }

    public async Task<ArticleCard?> GetAsync(long articleId, CancellationToken cancellationToken)
        => (await GetPageAsync([articleId], null, cancellationToken)).Articles.FirstOrDefault();

    private async Task<CachedPage> ReadPageAsync(IReadOnlyList<long> articleIds, int? pinnedOfChannel, bool cachedOnly, Activity? activity, CancellationToken cancellationToken)
    {
        // What memory holds whole needs no guard; each Redis read runs within its share of the
        // request's budget: a frozen cache server turns the page to MySQL in time.
        var fromMemory = _local.TryRead(articleIds, pinnedOfChannel, out var unknownCounts);
        if (fromMemory is not null && unknownCounts is not null)
        {
            fromMemory = await cacheGuard.RunAsync(() => _local.ReadCountsAsync(fromMemory, unknownCounts), cancellationToken);
        }

        var (pinnedCount, ids, counts, articles, articleMisses, authors, countMisses) = fromMemory
            ?? await cacheGuard.RunAsync(() => (IsCluster ? _cluster : (RedisPageSource)_server).ReadAsync(articleIds, pinnedOfChannel), cancellationToken);

        var authorMisses = articles.Values.OfType<ArticleInfo>().Select(a => a.AutId).Where(id => !authors.ContainsKey(id)).Distinct().ToList();
        var found = articles.Values.Count(a => a is not null);
        metrics.Lookups("article", "hit", found);
        metrics.Lookups("article", "not_found", articles.Count - found);
        metrics.Lookups("article", "miss", articleMisses.Count);
        metrics.Lookups("author", "hit", authors.Count);
        metrics.Lookups("author", "miss", authorMisses.Count);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("toutiao.cache.requested", ids.Length);
            activity.SetTag("toutiao.cache.pinned", pinnedCount);
            activity.SetTag("toutiao.cache.hit", found);
            activity.SetTag("toutiao.cache.not_found", articles.Count - found);
            activity.SetTag("toutiao.cache.missed", articleMisses.Count);
            activity.SetTag("toutiao.cache.authors_missed", authorMisses.Count);
            activity.SetTag("toutiao.cache.local", fromMemory is not null);
            activity.SetTag("toutiao.cache.counters_missed", countMisses.Count);
        }

        string? degraded = null;
        if (cachedOnly)
        {
            foreach (var id in articleMisses)
            {
                articles[id] = null;
            }

            foreach (var id in authorMisses)
            {
                authors[id] = null;
            }

            degraded = "mysql";
        }
        else if (articleMisses.Count + authorMisses.Count > 0)
        {
            try
            {
                await _misses.LoadAsync(articleMisses, authorMisses, articles, authors, cancellationToken);
            }
            catch (Exception ex) when (StorageFailures.IsStorageFailure(ex) && articles.Values.Any(info => info is not null))
            {
                // MySQL is down but Redis had some of the page: those are worth more than a 503.
                degraded = "mysql";
                activity?.SetTag("toutiao.cache.partial", true);
                LogPartialPage(articles.Values.Count(info => info is not null), articleMisses.Count, ex);
            }
        }

        // Only articles shown need their counts: an id that does not exist costs no load.
        countMisses = countMisses.Where(id => articles.GetValueOrDefault(id) is not null).ToList();
        if (countMisses.Count > 0 && !cachedOnly)
        {
            await LoadCountsAsync(ids, counts, countMisses, cancellationToken);
        }

        if (fromMemory is null && !cachedOnly)
        {
            _local.Remember(pinnedOfChannel, ids[..pinnedCount], articles, authors);
        }

        ArticleCard? Card(int index)
        {
            var id = ids[index];
            if (articles.GetValueOrDefault(id) is not { } info)
            {
                return null;
            }

            var articleCounts = new ArticleCounts(counts[0][index], counts[1][index], counts[2][index], counts[3][index]);
            return new ArticleCard(info, authors.GetValueOrDefault(info.AutId), articleCounts);
        }

        var pinned = Enumerable.Range(0, pinnedCount).Select(Card).OfType<ArticleCard>().ToList();
        var requested = Enumerable.Range(pinnedCount, ids.Length - pinnedCount).Select(Card).OfType<ArticleCard>().ToList();
        return new CachedPage(pinned, requested, degraded);
    }

    /// <summary>The counts of the ids whose bucket was not loaded, from MySQL (and written back); zeros if MySQL fails.</summary>
    private async Task LoadCountsAsync(long[] ids, long[][] counts, List<long> countMisses, CancellationToken cancellationToken)
    {
        try
        {
            var loaded = await _counters.LoadAsync(countMisses, cancellationToken);
            var missed = countMisses.ToHashSet();
            for (var i = 0; i < ids.Length; i++)
            {
                if (missed.Contains(ids[i]) && loaded.TryGetValue(ids[i], out var four))
                {
                    RedisPageSource.SetCounts(counts, i, four);
                }
            }
        }
        catch (Exception ex) when (StorageFailures.IsStorageFailure(ex))
        {
            // Counts are not what a page is for: zeros rather than no page.
            LogCountsUnavailable(countMisses.Count, ex);
        }
    }

    private bool? _isCluster;

    /// <summary>
    /// A cluster spreads these keys over its nodes and runs no script across slots. A single server
    /// does; StackExchange.Redis knows which it is once it has connected, and that does not change,
    /// so the page's hot path asks only until then.
    /// </summary>
    private bool IsCluster => _isCluster ?? LearnTopology();

    private bool LearnTopology()
    {
        var servers = redis.GetServers();
        var cluster = servers is [{ ServerType: ServerType.Cluster }, ..];
        if (servers.Any(server => server.IsConnected))
        {
            _isCluster = cluster;
        }

        return cluster;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "MySQL failed: serving {Cached} cached articles without {Missed} uncached ones")]
    private partial void LogPartialPage(int cached, int missed, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MySQL failed: {Count} articles shown with zero counts (their counters are not in Redis)")]
    private partial void LogCountsUnavailable(int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis failed: reading {Count} articles from MySQL")]
    private partial void LogRedisBypassed(int count, Exception exception);
}
