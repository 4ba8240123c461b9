using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.Contracts.Feed;
using Toutiao.ServiceDefaults.Clients;

namespace Toutiao.Web.Articles;

/// <summary>
/// Fills what the article cache cannot fill on a miss: the <c>count:art:*</c> sorted sets
/// (loaded from <c>news_article_statistic</c> only when absent, because once there Redis holds the
/// live counts) and each channel's pinned set <c>ch:{id}:art:top</c> (reloaded every interval,
/// pins are editorial data in MySQL). Reports ready through the <c>article-cache</c> health check.
/// The cache server keeps nothing across a restart, so a restored connection warms at once.
/// </summary>
public sealed partial class ArticleCacheWarmer(
    [FromKeyedServices(RedisConnections.Cache)] IConnectionMultiplexer redis,
    ArticleRepository repository,
    ArticleInfoCache cards,
    Toutiao.Web.Channels.ChannelCatalog channels,
    Toutiao.Web.Feed.PopularArticles popular,
    IOptions<ArticleCacheOptions> options,
    ILogger<ArticleCacheWarmer> logger) : BackgroundService, IHealthCheck
{
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly TaskCompletionSource _warmed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the first warm-up succeeded: from then on, a page needs no warm-up of its own.</summary>
    public Task Warmed => _warmed.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        redis.ConnectionRestored += WakeUp;
        try
        {
            await WarmEveryIntervalAsync(stoppingToken);
        }
        finally
        {
            redis.ConnectionRestored -= WakeUp;
        }
    }

    private void WakeUp(object? sender, ConnectionFailedEventArgs e)
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A warm-up is already due.
        }
    }

    private async Task WarmEveryIntervalAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var delay = options.Value.WarmInterval;
            try
            {
                if (!await WarmAsync(stoppingToken))
                {
                    // Another Web is loading the counters: look again soon.
                    delay = CountsLoadedElsewhereRetry;
                }

                _warmed.TrySetResult();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Storage may come up after us; try again soon.
                LogWarmFailed(ex);
                delay = TimeSpan.FromSeconds(5);
            }

            try
            {
                await _wake.WaitAsync(delay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static readonly TimeSpan CountsLoadedElsewhereRetry = TimeSpan.FromSeconds(2);

    /// <summary>Long enough for any load; a Web that died holding it delays the next load by at most this.</summary>
    private static readonly TimeSpan CountsLoadLockLifetime = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Loads what the cache lacks: the counters (by one Web at a time), changed pins, and after a
    /// load the popular cards. False when the counters are missing and another Web is loading them.
    /// </summary>
    public async Task<bool> WarmAsync(CancellationToken cancellationToken)
    {
        // Looking is not traced (unparented Redis and MySQL calls are not recorded): an interval or a
        // restored connection that finds everything in place adds nothing to the dashboard. Only a
        // warm-up that writes is a trace, one per warm-up rather than a loose span per round trip.
        var db = redis.GetDatabase();
        var countsLoaded = await db.KeyExistsAsync(ArticleCacheKeys.ReadCounts);
        var pinned = (await repository.ReadPinnedAsync(cancellationToken)).ToList();
        var look = db.CreateBatch();
        var storedPins = pinned.Select(channel => look.SortedSetRangeByRankWithScoresAsync(ArticleCacheKeys.Top(channel.Key))).ToList();
        look.Execute();
        var stored = await Task.WhenAll(storedPins);
        var changedPins = pinned.Where((channel, i) => !stored[i].Select(e => ((long)e.Element, e.Score))
            .SequenceEqual(channel.OrderBy(p => p.Order).ThenBy(p => p.ArticleId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal).Select(p => (p.ArticleId, p.Order)))).ToList();
        if (countsLoaded && changedPins.Count == 0)
        {
            return true;
        }

        // Two loads would each rename its reading of MySQL over the other's: a change added to the
        // first one's sets in between (both Webs load after the cache server restarts) would be lost.
        var lockToken = Guid.NewGuid().ToString("N");
        var loadCounts = !countsLoaded && await db.StringSetAsync(ArticleCacheKeys.CountsLoadLock, lockToken, CountsLoadLockLifetime, When.NotExists);
        if (!countsLoaded && !loadCounts)
        {
            LogCountsLoadedElsewhere();
        }

        using var activity = WebTelemetry.Source.StartActivity("article_cache warm");
        activity?.SetTag("toutiao.cache.pinned_channels_changed", changedPins.Count);
        var writes = new List<Func<IBatch, IEnumerable<Task>>>();

        if (loadCounts)
        {
            var entries = ArticleCacheKeys.AllCounts.ToDictionary(key => key, _ => new List<SortedSetEntry>());
            await foreach (var (id, counts) in repository.ReadStatisticsAsync(cancellationToken))
            {
                entries[ArticleCacheKeys.CommentCounts].Add(new SortedSetEntry(id, counts.CommCount));
                entries[ArticleCacheKeys.LikeCounts].Add(new SortedSetEntry(id, counts.LikeCount));
                entries[ArticleCacheKeys.CollectCounts].Add(new SortedSetEntry(id, counts.CollectCount));
                entries[ArticleCacheKeys.ReadCounts].Add(new SortedSetEntry(id, counts.ReadCount));
            }

            // The reading set is the "loaded" flag, so it is renamed into place last.
            foreach (var key in ArticleCacheKeys.AllCounts.OrderBy(key => key == ArticleCacheKeys.ReadCounts))
            {
                writes.Add(batch => batch.QueueSortedSetReplace(key, entries[key]));
            }

            LogCountsLoaded(entries[ArticleCacheKeys.ReadCounts].Count);
        }

        foreach (var channel in changedPins)
        {
            writes.Add(batch => batch.QueueSortedSetReplace(ArticleCacheKeys.Top(channel.Key),
                channel.Select(p => new SortedSetEntry(p.ArticleId, p.Order)).ToList()));
        }

        // A pipeline a set, each answered before the next: four sets of 50,000 in one pipeline could
        // not be answered within the client's timeout on a busy machine (as Reco's recall sets).
        try
        {
            await db.WriteInBatchesAsync(writes, perBatch: 1, (batch, write) => write(batch), cancellationToken);
        }
        finally
        {
            if (loadCounts)
            {
                // Only our own lock: one that expired and was taken by another Web is theirs.
                await db.ScriptEvaluateAsync("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
                    [ArticleCacheKeys.CountsLoadLock], [lockToken]);
            }
        }

        if (loadCounts)
        {
            await WarmPopularCardsAsync(cancellationToken);
        }

        return countsLoaded || loadCounts;
    }

    /// <summary>
    /// An empty cache (a start, a restarted server) gets each channel's most popular cards at once:
    /// they are most of what new readers are shown, so the first pages need no MySQL read, and with
    /// MySQL frozen they are what a fresh page can still be made of.
    /// </summary>
    private async Task WarmPopularCardsAsync(CancellationToken cancellationToken)
    {
        var warmed = 0;
        foreach (var channel in (await channels.GetVisibleAsync(cancellationToken)).Select(c => c.Id).Prepend(RecommendedChannel.Id).Distinct())
        {
            var ids = await popular.ReadAsync(channel, PopularCardsPerChannel);
            if (ids.Count > 0)
            {
                warmed += (await cards.GetPageAsync(ids, channel, cancellationToken)).Articles.Count;
            }
        }

        LogPopularCardsWarmed(warmed);
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(_warmed.Task.IsCompleted
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("Article counters and pinned articles are not loaded yet."));

    /// <summary>The hottest and newest articles of each channel whose cards an empty cache is given.</summary>
    public const int PopularCardsPerChannel = 20;

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded the cards of {ArticleCount} popular articles into Redis")]
    private partial void LogPopularCardsWarmed(int articleCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "The article counters are being loaded by another Web; looking again in 2 s")]
    private partial void LogCountsLoadedElsewhere();

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded counters of {ArticleCount} articles into Redis")]
    private partial void LogCountsLoaded(int articleCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warming the article cache failed; retrying in 5 s")]
    private partial void LogWarmFailed(Exception exception);
}
