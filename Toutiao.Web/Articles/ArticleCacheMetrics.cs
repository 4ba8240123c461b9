using System.Diagnostics.Metrics;

namespace Toutiao.Web.Articles;

/// <summary>Counters ops chart for the article cache: lookups by outcome, MySQL fallbacks, reads refused by the bulkhead, counters dropped from memory.</summary>
public sealed class ArticleCacheMetrics
{
    public const string MeterName = "Toutiao.Web.ArticleCache";

    private readonly Counter<long> _lookups;
    private readonly Counter<long> _mysqlFallbacks;
    private readonly Counter<long> _uncachedRejected;
    private readonly Counter<long> _localCountsDropped;

    public ArticleCacheMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _lookups = meter.CreateCounter<long>("toutiao.cache.lookups", "{lookup}", "Cache lookups by cache and outcome (hit, not_found, miss).");
        _mysqlFallbacks = meter.CreateCounter<long>("toutiao.cache.mysql_fallbacks", "{query}", "MySQL queries made to fill cache misses or, with Redis down, whole pages.");
        _uncachedRejected = meter.CreateCounter<long>("toutiao.cache.uncached_rejected", "{request}", "Page reads refused (503) with Redis down because MySQL had as many as it may take.");
        _localCountsDropped = meter.CreateCounter<long>("toutiao.cache.local_counts_dropped", "{drop}",
            "Times this process dropped counters kept in memory: a bucket's (reason changed) or all (reason unsubscribed, while changes cannot be heard).");
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

    public void LocalCountsDropped(string reason) => _localCountsDropped.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
