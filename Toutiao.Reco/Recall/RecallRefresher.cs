using Microsoft.Extensions.Options;
using Toutiao.Contracts.Feed;
using Toutiao.Reco.Recommend;

namespace Toutiao.Reco.Recall;

/// <summary>Keeps the recall sets fresh: builds and loads them at start, then rebuilds every <see cref="RecommendationOptions.RefreshInterval"/> and, in between, adds what was published every <see cref="RecommendationOptions.PublishedCheckInterval"/>.</summary>
public sealed partial class RecallRefresher(
    RecallCandidateStore store,
    IOptions<RecommendationOptions> options,
    ILogger<RecallRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var first = true;
        var builtAt = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (first)
                {
                    await store.EnsureBuiltAsync(stoppingToken);
                    // Loads the copy requests serve from, so the first request does not wait for it.
                    await store.GetAsync(RecommendedChannel.Id, stoppingToken);
                    builtAt = DateTimeOffset.UtcNow;
                }
                else if (DateTimeOffset.UtcNow - builtAt >= options.Value.RefreshInterval)
                {
                    await store.RebuildAsync(stoppingToken);
                    builtAt = DateTimeOffset.UtcNow;
                }
                else
                {
                    // Between builds, only what was published since: seconds, not minutes, to the new source.
                    await store.AddPublishedAsync(stoppingToken);
                }

                first = false;
                var untilBuild = builtAt + options.Value.RefreshInterval - DateTimeOffset.UtcNow;
                await Task.Delay(untilBuild < options.Value.PublishedCheckInterval ? (untilBuild > TimeSpan.Zero ? untilBuild : TimeSpan.Zero) : options.Value.PublishedCheckInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Storage may come up after us; requests rebuild on demand meanwhile.
                LogRefreshFailed(ex);
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing the recall sets failed; retrying in 5 s")]
    private partial void LogRefreshFailed(Exception exception);
}
