using System.Diagnostics.Metrics;

namespace Toutiao.Web.Articles;

/// <summary>Counters ops chart for the article cache: lookups by outcome, MySQL fallbacks, reads refused by the bulkhead.</summary>
public sealed class ArticleCacheMetrics
{
    public const string MeterName = "Toutiao.Web.ArticleCache";

    private readonly Counter<long> _lookups;
    private readonly Counter<long> _mysqlFallbacks;
    private readonly Counter<long> _uncachedRejected;

    public ArticleCacheMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _lookups = meter.CreateCounter<long>("toutiao.cache.lookups", "{lookup}", "Cache lookups by cache and outcome (hit, not_found, miss).");
        _mysqlFallbacks = meter.CreateCounter<long>("toutiao.cache.mysql_fallbacks", "{query}", "MySQL queries made to fill cache misses or, with Redis down, whole pages.");
        _uncachedRejected = meter.CreateCounter<long>("toutiao.cache.uncached_rejected", "{request}", "Page reads refused (503) with Redis down because MySQL had as many as it may take.");
    }

    public void Lookups(string cache, string outcome, int count)
    {
        if (count > 0)
        {
            _lookups.Add(count, new KeyValuePair<string, object?>("cache", cache), new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    public void MySqlFallback() => _mysqlFallbacks.Add(1);

    public void UncachedReadRejected() => _uncachedRejected.Add(1);
}
