using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Toutiao.Contracts.Storage;
using Toutiao.Web.Http;

namespace Toutiao.Web.Articles;

/// <summary>
/// With Redis down, pages are read from MySQL whole (<see cref="ArticleRepository.LoadCardsAsync"/>),
/// at most <see cref="ArticleCacheOptions.UncachedReadLimit"/> at a time: MySQL was sized for the
/// misses of a cache, not for all reads, so the rest are a fast 503 rather than a queue.
/// </summary>
internal sealed class UncachedPageReader(ArticleRepository repository, StorageGuard mysql, ArticleCacheMetrics metrics, IOptions<ArticleCacheOptions> options)
{
    private readonly ConcurrencyLimiter _uncachedReads = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.UncachedReadLimit,
        QueueLimit = 0,
    });

    /// <summary>The requested articles without pinned ones, degraded because of <c>redis</c>.</summary>
    public async Task<CachedPage> ReadAsync(IReadOnlyList<long> articleIds, CancellationToken cancellationToken)
    {
        using var lease = _uncachedReads.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            metrics.UncachedReadRejected();
            throw new ApiException(StatusCodes.Status503ServiceUnavailable, "Storage is busy: try again in a moment.");
        }

        metrics.MySqlFallback();
        var cards = await mysql.RunAsync(token => repository.LoadCardsAsync(articleIds, token), cancellationToken);
        return new CachedPage([], articleIds.Distinct().Select(cards.GetValueOrDefault).OfType<ArticleCard>().ToList(), "redis");
    }
}
