using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.Contracts.Feed;
using Toutiao.ServiceDefaults.Clients;

namespace Toutiao.Web.Articles;

/// <summary>
/// Fills what the article cache cannot fill on a miss: each channel's pinned set
/// <c>ch:{id}:art:top</c> (reloaded every interval, pins are editorial data in MySQL), and an empty
/// cache gets each channel's popular cards. Reports ready through the <c>article-cache</c> health
/// check. The cache server keeps nothing across a restart, so a restored connection warms at once.
/// (The counters load by bucket when a page needs them: <see cref="ArticleCounterLoader"/>.)
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
                await WarmAsync(stoppingToken);
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

    /// <summary>Loads changed pins and, into an empty cache, the popular cards.</summary>
    public async Task WarmAsync(CancellationToken cancellationToken)
    {
        // Looking is not traced (unparented Redis and MySQL calls are not recorded): an interval or a
        // restored connection that finds everything in place adds nothing to the dashboard. Only a
        // warm-up that writes is a trace, one per warm-up rather than a loose span per round trip.
        var db = redis.GetDatabase();
        var popularWarmed = await db.KeyExistsAsync(ArticleCacheKeys.PopularCardsWarmed);
        var pinned = (await repository.ReadPinnedAsync(cancellationToken)).ToList();
        var look = db.CreateBatch();
        var storedPins = pinned.Select(channel => look.SortedSetRangeByRankWithScoresAsync(ArticleCacheKeys.Top(channel.Key))).ToList();
        look.Execute();
        var stored = await Task.WhenAll(storedPins);
        var changedPins = pinned.Where((channel, i) => !stored[i].Select(e => ((long)e.Element, e.Score))
            .SequenceEqual(channel.OrderBy(p => p.Order).ThenBy(p => p.ArticleId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal).Select(p => (p.ArticleId, p.Order)))).ToList();
        if (popularWarmed && changedPins.Count == 0)
        {
            return;
        }

        using var activity = WebTelemetry.Source.StartActivity("article_cache warm");
        activity?.SetTag("toutiao.cache.pinned_channels_changed", changedPins.Count);
        var writes = changedPins.Select(channel => (Func<IBatch, IEnumerable<Task>>)(batch => batch.QueueSortedSetReplace(ArticleCacheKeys.Top(channel.Key),
            channel.Select(p => new SortedSetEntry(p.ArticleId, p.Order)).ToList()))).ToList();
        await db.WriteInBatchesAsync(writes, perBatch: 1, (batch, write) => write(batch), cancellationToken);

        if (!popularWarmed)
        {
            // Two Webs starting together may both do it: the cards are the same either way.
            await WarmPopularCardsAsync(cancellationToken);
            await db.StringSetAsync(ArticleCacheKeys.PopularCardsWarmed, "1");
        }
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
            : HealthCheckResult.Unhealthy("Pinned articles are not loaded yet."));

    /// <summary>The hottest and newest articles of each channel whose cards an empty cache is given.</summary>
    public const int PopularCardsPerChannel = 20;

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded the cards of {ArticleCount} popular articles into Redis")]
    private partial void LogPopularCardsWarmed(int articleCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warming the article cache failed; retrying in 5 s")]
    private partial void LogWarmFailed(Exception exception);
}
