using System.Diagnostics;
using StackExchange.Redis;
using Toutiao.Contracts.Articles;
using Toutiao.Contracts.Storage;
using Toutiao.ServiceDefaults.Clients;

namespace Toutiao.Web.Articles;

/// <summary>
/// Loads the counter buckets a page found absent (<see cref="ArticleCounters"/>) from MySQL in one
/// round trip and writes each back in one pipeline, unless another page wrote it meanwhile: a bucket
/// already there may hold changes this reading predates. Concurrent pages share a bucket's load
/// (<see cref="InFlightLoads{TKey, TValue}"/>).
/// </summary>
internal sealed partial class ArticleCounterLoader(ArticleRepository repository, StorageGuard mysql, IConnectionMultiplexer redis, StorageGuard cache, ILogger logger)
{
    /// <summary>
    /// A reading of MySQL older than this is not written back. A change committed after the reading
    /// that found its bucket absent is set again from MySQL for this long after it
    /// (<see cref="ArticleCounterUpdates"/>), so a reading that missed it cannot land later and keep it out.
    /// </summary>
    public static readonly TimeSpan ReadingLifetime = TimeSpan.FromSeconds(5);

    // Not handed out once done: a bucket missed again (evicted, deleted) is read again, since changes
    // made in Redis after a reading are not in it.
    private readonly InFlightLoads<long, Dictionary<long, long[]>> _loads = new(TimeSpan.Zero);

    /// <summary>The four counts of every article of the ids' buckets that MySQL has (an article without a row has none counted).</summary>
    public async Task<Dictionary<long, long[]>> LoadAsync(IEnumerable<long> articleIds, CancellationToken cancellationToken)
    {
        // Pages that miss the same bucket at once (a cache just restarted) share one load.
        var claim = _loads.Claim(articleIds.Select(ArticleCounters.Bucket));
        var buckets = new List<Dictionary<long, long[]>>();
        if (claim.Owned.Count > 0)
        {
            // Under none of the waiters' cancellations: the owner going away never fails them.
            buckets.AddRange((await LoadAndShareAsync(claim.Owned).WaitAsync(cancellationToken)).Values);
        }

        foreach (var (_, load) in claim.Awaited)
        {
            buckets.Add(await load.WaitAsync(cancellationToken) ?? []);
        }

        return buckets.SelectMany(bucket => bucket).ToDictionary();
    }

    private async Task<Dictionary<long, Dictionary<long, long[]>>> LoadAndShareAsync(List<long> buckets)
    {
        try
        {
            var byBucket = await ReadAndWriteBackAsync(buckets);
            _loads.Complete(buckets, byBucket);
            return byBucket;
        }
        catch (Exception ex)
        {
            _loads.Fail(buckets, ex);
            throw;
        }
    }

    /// <summary>Each bucket's counts (article id → its four), every bucket asked for present, empty where MySQL has none.</summary>
    private async Task<Dictionary<long, Dictionary<long, long[]>>> ReadAndWriteBackAsync(List<long> buckets)
    {
        using var activity = WebTelemetry.Source.StartActivity("article_cache load_counters");
        activity?.SetTag("toutiao.cache.counter_buckets", buckets.Count);
        var reading = Stopwatch.StartNew();
        var counts = await mysql.RunAsync(token => repository.ReadCounterBucketsAsync(buckets, token), CancellationToken.None);
        var byBucket = buckets.ToDictionary(bucket => bucket, _ => new Dictionary<long, long[]>());
        foreach (var (id, four) in counts)
        {
            byBucket[ArticleCounters.Bucket(id)][id] = four;
        }

        if (reading.Elapsed >= ReadingLifetime)
        {
            return byBucket;
        }

        try
        {
            await cache.RunAsync(async () =>
            {
                var batch = redis.GetDatabase().CreateBatch();
                var written = byBucket.Select(bucket => batch.LoadIfAbsentAsync(bucket.Key, bucket.Value)).ToList();
                batch.Execute();
                return await Task.WhenAll(written);
            }, CancellationToken.None);
        }
        catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
        {
            // The page has its counts; the next page that needs the bucket loads it again.
            activity?.RecordFailure(ex);
            LogWriteBackFailed(buckets.Count, ex);
        }

        return byBucket;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Buckets} counter buckets back to Redis failed")]
    private partial void LogWriteBackFailed(int buckets, Exception exception);
}
