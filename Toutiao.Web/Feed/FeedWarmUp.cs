using Microsoft.Extensions.Diagnostics.HealthChecks;
using Toutiao.Contracts.Feed;
using Toutiao.Web.Articles;

namespace Toutiao.Web.Feed;

/// <summary>
/// A new process's first page would pay for opening the feed's connection to Reco and compiling the
/// page's path at both ends: 0.8 s for the gRPC call alone in CI, more than its share of the page's
/// budget, so the first reader of every new Web process got a degraded page or a 503. Before Web
/// reports ready, it asks Reco for an anonymous page of 推荐 through the feed's own client (Reco
/// records nothing for it) and reads those cards through the article cache. A Reco or storage that
/// does not answer within <see cref="Limit"/> does not keep Web unready: pages then degrade as they
/// would anyway.
/// </summary>
public sealed partial class FeedWarmUp(
    RecoClient reco,
    ArticleInfoCache cards,
    ArticleCacheWarmer cache,
    ILogger<FeedWarmUp> logger) : BackgroundService, IHealthCheck
{
    /// <summary>How long a start may wait for Reco and the cache before Web is ready without a warm-up.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);

    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the warm-up is over, done or given up: from then on it sends nothing.</summary>
    public Task Done => _done.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        limit.CancelAfter(Limit);
        try
        {
            await cache.Warmed.WaitAsync(limit.Token);
            while (!await TryWarmUpAsync(limit.Token))
            {
                await Task.Delay(Retry, limit.Token);
            }
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            LogGaveUp(Limit.TotalSeconds);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        finally
        {
            _done.TrySetResult();
        }
    }

    private async Task<bool> TryWarmUpAsync(CancellationToken cancellationToken)
    {
        // A trace of its own (once per start), so its Redis and MySQL calls are not loose spans.
        using var activity = WebTelemetry.Source.StartActivity("feed warm-up");
        try
        {
            var page = await reco.RecommendAsync("", RecommendedChannel.Id, FeedService.PageSize, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), cancellationToken);
            var loaded = await cards.GetPageAsync(page.Articles.Select(a => a.ArticleId).ToList(), null, cancellationToken);
            LogWarmedUp(loaded.Articles.Count);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            activity?.AddException(ex);
            LogWarmUpFailed(ex);
            return false;
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(_done.Task.IsCompleted
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The feed's path (the connection to Reco, the article cache) is being warmed up."));

    [LoggerMessage(Level = LogLevel.Information, Message = "Feed warmed up: one page from Reco and its {ArticleCount} cards")]
    private partial void LogWarmedUp(int articleCount);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Feed warm-up failed; retrying")]
    private partial void LogWarmUpFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feed not warmed up within {Seconds} s (Reco or storage not answering yet); ready without it")]
    private partial void LogGaveUp(double seconds);
}
